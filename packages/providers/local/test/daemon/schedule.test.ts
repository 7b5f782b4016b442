import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileSchedule } from '../../src/daemon/schedule-expression.js';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import { createFakeDataPlane } from './fake-data-plane.js';
import { createFakeClock } from './fake-clock.js';
import { buildZip, fn, request, tempDir } from './helpers.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('schedule expressions', () => {
  it('rate() ticks from its anchor', async () => {
    const s = await compileSchedule('rate(5 minutes)');
    const anchor = at('2025-01-01T00:00:00Z');
    expect(iso(s.next(anchor, anchor))).toBe('2025-01-01T00:05:00.000Z');
    expect(iso(s.next(at('2025-01-01T00:07:00Z'), anchor))).toBe('2025-01-01T00:10:00.000Z');
    expect(iso((await compileSchedule('rate(1 day)')).next(anchor, anchor))).toBe('2025-01-02T00:00:00.000Z');
    expect(iso((await compileSchedule('rate(2 hours)')).next(anchor, anchor))).toBe('2025-01-01T02:00:00.000Z');
  });

  it('AWS cron: 6 fields, ?, 1-7 days from Sunday, years, in UTC', async () => {
    const from = at('2025-01-01T13:00:00Z'); // a Wednesday
    expect(iso((await compileSchedule('cron(0 12 * * ? *)')).next(from, 0))).toBe('2025-01-02T12:00:00.000Z');
    // 2 = Monday in AWS numbering.
    expect(iso((await compileSchedule('cron(0 9 ? * 2 *)')).next(from, 0))).toBe('2025-01-06T09:00:00.000Z');
    expect(iso((await compileSchedule('cron(0 9 ? * 1 *)')).next(from, 0))).toBe('2025-01-05T09:00:00.000Z');
    expect(iso((await compileSchedule('cron(0 9 ? * 6-7 *)')).next(from, 0))).toBe('2025-01-03T09:00:00.000Z');
    expect(iso((await compileSchedule('cron(15 10 ? * MON-FRI *)')).next(from, 0))).toBe('2025-01-02T10:15:00.000Z');
    expect(iso((await compileSchedule('cron(0/15 * * * ? *)')).next(from, 0))).toBe('2025-01-01T13:15:00.000Z');
    expect(iso((await compileSchedule('cron(0 0 1 1 ? 2030)')).next(from, 0))).toBe('2030-01-01T00:00:00.000Z');
    expect(iso((await compileSchedule('cron(0 0 L * ? *)')).next(from, 0))).toBe('2025-01-31T00:00:00.000Z');
    expect((await compileSchedule('cron(0 0 1 1 ? 2020)')).next(from, 0)).toBeUndefined();
  });

  it('5-field cron', async () => {
    const from = at('2025-01-01T13:07:00Z');
    expect(iso((await compileSchedule('*/15 * * * *')).next(from, 0))).toBe('2025-01-01T13:15:00.000Z');
    expect(iso((await compileSchedule('cron(0 8 * * 1)')).next(from, 0))).toBe('2025-01-06T08:00:00.000Z');
  });

  it.each([
    ['rate(5 parsecs)', /unknown unit/],
    ['rate(0 minutes)', /positive/],
    ['cron(0 12 * * * *)', /"\?"/],
    ['cron(0 12 ? * 9 *)', /out of range/],
    ['cron(0 12 15W * ? *)', /not supported/],
    ['every day', /expected rate/],
    ['cron(99 12 * * ? *)', /invalid schedule expression/],
  ])('rejects %s', async (expression, message) => {
    await expect(compileSchedule(expression)).rejects.toThrow(message);
  });
});

describe('schedules in the daemon', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: DaemonServer | undefined;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await server?.close();
    tmp.cleanup();
  });

  it('fires enabled schedules with the EventBridge shape or the input, and re-arms after a restart', async () => {
    const start = at('2025-03-01T11:58:30Z');
    let clock = createFakeClock(start);
    let plane = createFakeDataPlane();
    const home = join(tmp.dir, 'home');
    server = await startDaemonServer({ home, port: 0, dataPlane: plane, clock, report: () => {} });
    const zip = await buildZip(tmp.dir, 'a', { 'behaviour.json': '{}' });
    await server.daemon.deploy(
      request(
        [
          fn('tick', zip, {
            schedules: [
              { expression: 'rate(1 minute)', enabled: true },
              { expression: 'cron(0 12 * * ? *)', enabled: false },
            ],
          }),
          fn('noon', zip, {
            schedules: [{ expression: 'cron(0 12 * * ? *)', enabled: true, input: { hello: 'noon' }, name: 'lunch' }],
          }),
        ],
        { region: 'eu-west-1' },
      ),
    );
    expect(server.scheduler.count()).toBe(2);
    clock.advance(60_000);
    await server.queue.idle();
    expect(plane.engine.invocations.map((i) => i.name)).toEqual(['svc-dev-tick']);
    const event = plane.engine.invocations[0]!.event as Record<string, unknown>;
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2025-03-01T11:59:30Z',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:000000000000:rule/svc-dev-tick-schedule-1'],
      detail: {},
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);

    clock.advance(60_000);
    await server.queue.idle();
    const noon = plane.engine.invocations.filter((i) => i.name === 'svc-dev-noon');
    expect(noon.map((i) => i.event)).toEqual([{ hello: 'noon' }]);
    expect(plane.engine.invocations.filter((i) => i.name === 'svc-dev-tick').length).toBe(2);

    // Restart: timers come back from state, still aligned on the deploy time.
    await server.close();
    clock = createFakeClock(start + 3 * 86_400_000 + 10_000);
    plane = createFakeDataPlane();
    server = await startDaemonServer({ home, port: 0, dataPlane: plane, clock, report: () => {} });
    expect(server.scheduler.count()).toBe(2);
    clock.advance(50_000);
    await server.queue.idle();
    expect(plane.engine.invocations.map((i) => i.name)).toEqual(['svc-dev-tick']);
    expect((plane.engine.invocations[0]!.event as { time: string }).time).toBe('2025-03-04T11:59:30Z');
  });
});
