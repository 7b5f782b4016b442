/** A compiled schedule: the next fire time strictly after `after`, or undefined if it never fires again. */
export interface CompiledSchedule {
  readonly expression: string;
  next(after: number, anchor: number): number | undefined;
}

export class ScheduleExpressionError extends Error {
  constructor(expression: string, reason: string) {
    super(`invalid schedule expression "${expression}": ${reason}`);
    this.name = 'ScheduleExpressionError';
  }
}

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

function compileRate(expression: string, body: string): CompiledSchedule {
  const m = /^\s*(\d+)\s+([a-zA-Z]+)\s*$/.exec(body);
  if (!m) throw new ScheduleExpressionError(expression, 'expected rate(<value> <minute|minutes|hour|hours|day|days>)');
  const value = Number(m[1]);
  const unit = UNIT_MS[m[2]!.toLowerCase()];
  if (!unit) throw new ScheduleExpressionError(expression, `unknown unit "${m[2]}" (use minutes, hours or days)`);
  if (value < 1) throw new ScheduleExpressionError(expression, 'the value must be a positive integer');
  const interval = value * unit;
  return {
    expression,
    next(after, anchor) {
      if (after < anchor) return anchor + interval;
      return anchor + (Math.floor((after - anchor) / interval) + 1) * interval;
    },
  };
}

/** AWS numbers days of the week 1-7 from Sunday; cron-parser 0-7 with 0 = Sunday. */
function translateAwsDayOfWeek(field: string, expression: string): string {
  if (field === '?' || field === '*') return '*';
  if (field === 'L') return '6';
  return field.replace(/(^|[,-])(\d+)/g, (_all, sep: string, n: string) => {
    const day = Number(n);
    if (day < 1 || day > 7)
      throw new ScheduleExpressionError(expression, `day-of-week ${day} is out of range 1-7 (SUN-SAT)`);
    return `${sep}${day - 1}`;
  });
}

type YearMatcher = (year: number) => boolean;

function compileYear(field: string, expression: string): { matches: YearMatcher; last: number } {
  if (field === '*' || field === '?') return { matches: () => true, last: Infinity };
  const parts = field.split(',').map((part) => {
    const m = /^(\*|\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/.exec(part);
    if (!m) throw new ScheduleExpressionError(expression, `cannot read the year field "${field}"`);
    const from = m[1] === '*' ? 1970 : Number(m[1]);
    const to = m[2] ? Number(m[2]) : m[1] === '*' || m[3] ? Infinity : from;
    const step = m[3] ? Number(m[3]) : 1;
    if (step < 1) throw new ScheduleExpressionError(expression, 'a year step must be positive');
    return { from, to, step };
  });
  return {
    matches: (y) => parts.some((p) => y >= p.from && y <= p.to && (y - p.from) % p.step === 0),
    last: Math.max(...parts.map((p) => p.to)),
  };
}

async function compileCron(expression: string, fields: string[], aws: boolean): Promise<CompiledSchedule> {
  const { CronExpressionParser } = await import('cron-parser');
  let cron: string;
  let year: { matches: YearMatcher; last: number } = { matches: () => true, last: Infinity };
  if (aws) {
    const [minute, hour, dom, month, dow, yearField] = fields as [string, string, string, string, string, string];
    if (dom !== '?' && dow !== '?') {
      throw new ScheduleExpressionError(expression, 'AWS cron needs "?" in day-of-month or day-of-week');
    }
    if (/W/.test(dom))
      throw new ScheduleExpressionError(expression, 'the "W" (nearest weekday) operator is not supported locally');
    cron = `0 ${minute} ${hour} ${dom === '?' ? '*' : dom} ${month} ${translateAwsDayOfWeek(dow, expression)}`;
    year = compileYear(yearField, expression);
  } else {
    cron = `0 ${fields.join(' ')}`;
  }
  const parse = (after: number) => CronExpressionParser.parse(cron, { currentDate: new Date(after), tz: 'UTC' });
  try {
    parse(Date.now()).next();
  } catch (error) {
    throw new ScheduleExpressionError(expression, (error as Error).message);
  }
  return {
    expression,
    next(after) {
      let cursor = after;
      for (let i = 0; i < 50; i++) {
        let at: number;
        try {
          at = parse(cursor).next().getTime();
        } catch {
          return undefined;
        }
        const y = new Date(at).getUTCFullYear();
        if (year.matches(y)) return at;
        let ny = y + 1;
        while (ny <= Math.min(year.last, y + 200) && !year.matches(ny)) ny++;
        if (ny > year.last || ny > y + 200) return undefined;
        cursor = Date.UTC(ny, 0, 1) - 1000;
      }
      return undefined;
    },
  };
}

/** Compile `rate(...)`, AWS `cron(m h dom mon dow year)` or a 5-field cron (UTC). */
export async function compileSchedule(expression: string): Promise<CompiledSchedule> {
  const text = expression.trim();
  const rate = /^rate\((.*)\)$/i.exec(text);
  if (rate) return compileRate(expression, rate[1]!);
  const wrapped = /^cron\((.*)\)$/i.exec(text);
  const fields = (wrapped ? wrapped[1]! : text).trim().split(/\s+/);
  if (wrapped && fields.length === 6) return compileCron(expression, fields, true);
  if (fields.length === 5) return compileCron(expression, fields, false);
  throw new ScheduleExpressionError(
    expression,
    'expected rate(<value> <unit>), cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) or a 5-field cron',
  );
}
