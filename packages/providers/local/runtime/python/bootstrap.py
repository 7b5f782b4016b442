"""skyrun local worker (Python). Same protocol as the Node bootstrap: on fd 3, frames of a 4-byte
big-endian length followed by UTF-8 JSON. Started generic; a `load` frame sets the function's
environment, working directory and handler (`path/module.function`). Dependency-free."""
import importlib
import json
import os
import resource
import socket
import struct
import sys
import time
import traceback

channel = socket.socket(fileno=3)
out_bytes = 0
err_bytes = 0


class CountingWriter:
    """Writes straight to a file descriptor and counts bytes, so the engine knows how much output
    belongs to an invocation before it writes END/REPORT."""

    def __init__(self, fd, which):
        self.fd = fd
        self.which = which
        self.encoding = "utf-8"
        self.errors = "replace"

    def write(self, s):
        global out_bytes, err_bytes
        data = s.encode("utf-8", "replace") if isinstance(s, str) else bytes(s)
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        if self.which == 1:
            out_bytes += len(data)
        else:
            err_bytes += len(data)
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        return self.fd

    def writable(self):
        return True


sys.stdout = CountingWriter(1, 1)
sys.stderr = CountingWriter(2, 2)


def send(obj):
    body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    channel.sendall(struct.pack(">I", len(body)) + body)


def recv_exact(n):
    chunks = []
    while n > 0:
        chunk = channel.recv(min(n, 1 << 20))
        if not chunk:
            sys.exit(0)
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def max_rss_mb():
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + 1023) // 1024


class LambdaContext:
    def __init__(self, meta, request_id, deadline, client_context):
        self.aws_request_id = request_id
        self.function_name = meta["functionName"]
        self.function_version = meta["functionVersion"]
        self.memory_limit_in_mb = str(meta["memorySize"])
        self.invoked_function_arn = "arn:aws:lambda:%s:000000000000:function:%s" % (
            meta.get("region") or "local",
            meta["functionName"],
        )
        self.log_group_name = meta.get("logGroupName") or "/aws/lambda/" + meta["functionName"]
        self.log_stream_name = meta.get("logStreamName") or "local"
        self.identity = None
        self.client_context = client_context
        self.callbackWaitsForEmptyEventLoop = True
        self._deadline = deadline
        # camelCase aliases, the same field names as the Node context
        self.awsRequestId = self.aws_request_id
        self.functionName = self.function_name
        self.functionVersion = self.function_version
        self.memoryLimitInMB = self.memory_limit_in_mb
        self.invokedFunctionArn = self.invoked_function_arn
        self.logGroupName = self.log_group_name
        self.logStreamName = self.log_stream_name

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline - time.time() * 1000))

    getRemainingTimeInMillis = get_remaining_time_in_millis


def error_payload(exc, error_type=None):
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__) if exc.__traceback__ else [],
    }


handler = None
meta = None


def load(msg):
    global handler, meta
    started = time.perf_counter()
    os.environ.clear()
    os.environ.update(msg["env"])
    code_dir = msg["codeDir"]
    meta = msg
    spec = msg["handler"]
    slash = spec.rfind("/")
    subdir, rest = (spec[:slash], spec[slash + 1 :]) if slash >= 0 else ("", spec)
    dot = rest.rfind(".")
    if dot <= 0:
        return {"errorType": "Runtime.MalformedHandlerName", "errorMessage": "Bad handler '%s'" % spec, "stackTrace": []}
    module_name, func_name = rest[:dot], rest[dot + 1 :]
    try:
        # memorySize bounds the process's data segment (heap and anonymous mappings): MemoryError past it.
        limit = max(64, int(msg.get("memorySize") or 1024)) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ValueError, OSError):
        pass
    try:
        os.chdir(code_dir)
    except OSError as exc:
        return error_payload(exc, "Runtime.ImportModuleError")
    sys.path.insert(0, os.path.join(code_dir, subdir) if subdir else code_dir)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as exc:
        return {
            "errorType": "Runtime.UserCodeSyntaxError",
            "errorMessage": "Syntax error in module '%s': %s" % (module_name, exc),
            "stackTrace": [],
        }
    except ImportError as exc:
        return {
            "errorType": "Runtime.ImportModuleError",
            "errorMessage": "Unable to import module '%s': %s" % (module_name, exc),
            "stackTrace": [],
        }
    except Exception as exc:  # init code raised
        return error_payload(exc)
    fn = getattr(module, func_name, None)
    if fn is None:
        return {
            "errorType": "Runtime.HandlerNotFound",
            "errorMessage": "Handler '%s' missing on module '%s'" % (func_name, module_name),
            "stackTrace": [],
        }
    if not callable(fn):
        return {
            "errorType": "Runtime.HandlerNotFound",
            "errorMessage": "Handler '%s' on module '%s' is not callable" % (func_name, module_name),
            "stackTrace": [],
        }
    handler = fn
    meta["initMs"] = (time.perf_counter() - started) * 1000
    return None


def invoke(msg):
    request_id = msg["id"]
    cc = msg.get("clientContext")
    client_context = None
    if cc:
        try:
            import base64

            client_context = json.loads(base64.b64decode(cc))
        except Exception:
            client_context = None
    deadline = msg.get("deadline")
    if deadline is None:
        # The timeout runs from here: the invocation may have waited in the channel behind the previous one.
        deadline = time.time() * 1000 + msg["timeoutMs"]
    context = LambdaContext(meta, request_id, deadline, client_context)
    try:
        result = handler(msg.get("event"), context)
    except Exception as exc:
        return {"t": "result", "id": request_id, "ok": False, "error": error_payload(exc)}
    try:
        payload = json.dumps(result, separators=(",", ":"))
    except Exception as exc:
        return {
            "t": "result",
            "id": request_id,
            "ok": False,
            "error": {"errorType": "Runtime.MarshalError", "errorMessage": "Unable to marshal response: %s" % exc, "stackTrace": []},
        }
    return {"t": "result", "id": request_id, "ok": True, "raw": payload}


def main():
    send({"t": "ready", "pid": os.getpid()})
    while True:
        (length,) = struct.unpack(">I", recv_exact(4))
        msg = json.loads(recv_exact(length).decode("utf-8"))
        kind = msg.get("t")
        if kind == "load":
            err = load(msg)
            if err is None:
                send({"t": "loaded", "ok": True, "initMs": meta["initMs"], "o": out_bytes, "e": err_bytes})
            else:
                send({"t": "loaded", "ok": False, "error": err, "o": out_bytes, "e": err_bytes})
        elif kind == "invoke":
            started = time.perf_counter()
            res = invoke(msg)
            res["d"] = round((time.perf_counter() - started) * 1000, 3)
            res["o"] = out_bytes
            res["e"] = err_bytes
            res["m"] = max_rss_mb()
            raw = res.pop("raw", None)
            if raw is not None:
                body = json.dumps(res, separators=(",", ":"))
                data = (body[:-1] + ',"payload":' + raw + "}").encode("utf-8")
                channel.sendall(struct.pack(">I", len(data)) + data)
            else:
                send(res)
        elif kind == "exit":
            return


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
