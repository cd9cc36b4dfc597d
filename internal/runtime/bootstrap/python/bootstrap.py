# Nubo's Lambda runtime for Python: a Runtime API client written against the
# standard library only (Python 3.8 to 3.13). It behaves like AWS's Python
# runtime (awslambdaric): the same handler loading and error types, error
# documents, context object, log line format and JSON encoding.
#
# Output contract with the platform: everything the function wrote to
# sys.stdout / sys.stderr while handling an invocation (print, logging, the
# "[ERROR]" report of an unhandled exception) has been flushed to the file
# descriptors before the /response or /error request for that invocation is
# sent. Output of init is flushed before the first /next or /init/error.
#
# Startup cost matters, so imports are few: _socket instead of http.client
# (which pulls in email, re and ssl), and logging / traceback only when user
# code needs them (an import hook installs AWS's root log handler the moment
# user code imports logging).

import os
import sys
import time

try:
    import _socket as _sock
except ImportError:  # pragma: no cover - every CPython has _socket
    import socket as _sock

import json

ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"
API_PREFIX = "/2018-06-01/runtime/"
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
LOG_DATEFMT = "%Y-%m-%dT%H:%M:%S"
UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the runtime "
    "version in the INIT_START log entry. If this error correlates with a change in the runtime version, "
    "you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        Exception.__init__(self, msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


class State(object):
    """Per-process runtime state shared with the log filter."""

    request_id = None


# --- Runtime API client -----------------------------------------------------


class RuntimeAPIError(Exception):
    pass


class RuntimeClient(object):
    """A keep-alive HTTP/1.1 client for the Runtime API over one socket."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.family = _sock.AF_INET
        if host.startswith("["):
            host, self.family = host[1:-1], _sock.AF_INET6
        self.addr = (host or "127.0.0.1", int(port))
        self.host_header = address
        self.sock = None
        self.buf = b""

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock, self.buf = None, b""

    def _connect(self):
        s = _sock.socket(self.family, _sock.SOCK_STREAM)
        try:
            s.setsockopt(_sock.IPPROTO_TCP, _sock.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass
        s.connect(self.addr)
        self.sock, self.buf = s, b""

    def request(self, method, path, body=b"", headers=None):
        """Send one request; return (status, headers with lower-case names, body)."""
        head = "%s %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: nubo-python/%d.%d\r\n" % (
            method, API_PREFIX, path, self.host_header, sys.version_info[0], sys.version_info[1])
        if method != "GET":
            head += "Content-Length: %d\r\n" % len(body)
        for k, v in (headers or {}).items():
            head += "%s: %s\r\n" % (k, v)
        data = (head + "\r\n").encode("utf-8", "replace") + body
        for attempt in (0, 1):
            reused = self.sock is not None
            try:
                if not reused:
                    self._connect()
                self.sock.sendall(data)
                return self._read_response()
            except (OSError, RuntimeAPIError) as e:
                stale = reused and not self.buf and (
                    isinstance(e, OSError) or str(e).startswith("closed"))
                self.close()
                if attempt or not stale:
                    raise
        raise RuntimeAPIError("unreachable")

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeAPIError("closed by the Runtime API")
        self.buf += chunk

    def _read_until(self, sep):
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + len(sep):]
                return line
            self._fill()

    def _read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _read_response(self):
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise RuntimeAPIError("malformed status line %r" % lines[0])
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        if hdrs.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        elif "content-length" in hdrs:
            body = self._read_exact(int(hdrs["content-length"]))
        else:
            body = self._read_to_close()
        if hdrs.get("connection", "").lower() == "close":
            self.close()
        return int(parts[1]), hdrs, body

    def _read_chunked(self):
        out = []
        while True:
            size = int(self._read_until(b"\r\n").split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self._read_until(b"\r\n"):  # trailers end with an empty line
                    pass
                return b"".join(out)
            out.append(self._read_exact(size))
            self._read_until(b"\r\n")

    def _read_to_close(self):
        while True:
            try:
                self._fill()
            except RuntimeAPIError:
                body = self.buf
                self.close()
                return body

    def next(self):
        status, hdrs, body = self.request("GET", "invocation/next")
        if status != 200:
            raise RuntimeAPIError("GET next: status %d: %r" % (status, body[:200]))
        return hdrs, body

    def post(self, path, body, headers):
        status, _, reply = self.request("POST", path, body, headers)
        if status != 202:
            sys.stderr.write("nubo runtime: POST %s: status %d: %s\n" % (
                path, status, reply[:300].decode("utf-8", "replace")))
            sys.stderr.flush()
        return status


# --- JSON --------------------------------------------------------------------


class Encoder(json.JSONEncoder):
    """AWS's response encoder: Decimal values as their exact digits, NaN
    allowed, ensure_ascii off from python3.12 on."""

    def __init__(self):
        env = os.environ.get("AWS_EXECUTION_ENV", "")
        new = env in ("AWS_Lambda_python3.12", "AWS_Lambda_python3.13",
                      "AWS_Lambda_python3.14", "AWS_Lambda_python3.15")
        json.JSONEncoder.__init__(self, ensure_ascii=not new, allow_nan=True)
        self.nonce = "@@nubo-decimal-%s-" % os.urandom(8).hex()
        self.raw = []

    def default(self, obj):
        dec = sys.modules.get("decimal")
        if dec is not None and isinstance(obj, dec.Decimal):
            if obj.is_nan():
                return float("nan")
            self.raw.append(str(obj))
            return "%s%d@@" % (self.nonce, len(self.raw) - 1)
        return json.JSONEncoder.default(self, obj)

    def encode(self, obj):
        self.raw = []
        out = json.JSONEncoder.encode(self, obj)
        for i, text in enumerate(self.raw):
            out = out.replace('"%s%d@@"' % (self.nonce, i), text, 1)
        return out


def to_json(obj):
    return Encoder().encode(obj)


def marshal_response(encoder, response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return encoder.encode(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: " + str(e), None)


def unmarshal_request(body, content_type):
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: " + str(e), None)


# --- context -----------------------------------------------------------------


def _obj_from_dict(cls, d):
    if d is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, d.get(field, None))
    return obj


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id, self.cognito_identity_pool_id)


class Client(object):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __repr__(self):
        return "Client([%s])" % ",".join("%s=%s" % (f, getattr(self, f)) for f in self.__slots__)


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


class LambdaContext(object):
    """The context object handed to handlers, as AWS builds it."""

    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn):
        env = os.environ
        self.aws_request_id = invoke_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = None
        self.client_context = _obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _obj_from_dict(Client, self.client_context.client)
        self.identity = _obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        delta = self._deadline_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return ("LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
                "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,"
                "identity=%s,tenant_id=%s])") % (
            self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
            self.memory_limit_in_mb, self.function_version, self.invoked_function_arn,
            self.client_context, self.identity, self.tenant_id)


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
                             "Unable to parse %s JSON: %s" % (name, e), None)


def make_context(hdrs, invoke_id):
    cc = hdrs.get("lambda-runtime-client-context")
    ci = hdrs.get("lambda-runtime-cognito-identity")
    try:
        deadline = int(hdrs.get("lambda-runtime-deadline-ms", "0"))
    except ValueError:
        deadline = 0
    return LambdaContext(invoke_id,
                         _parse_json_header(cc, "Client Context") if cc else None,
                         _parse_json_header(ci, "Cognito Identity") if ci else None,
                         deadline, hdrs.get("lambda-runtime-invoked-function-arn"))


# --- errors ------------------------------------------------------------------


def make_error(message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def fault_from_exception(exc_info, invoke_id=None):
    """The error document for an exception, with AWS's stack trace: the
    formatted frames after the runtime's own leading frames."""
    import traceback

    etype, value, tb = exc_info
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i in range(len(frames)):
        if "/bootstrap.py" not in frames[i][0]:
            frames = frames[i:]
            break
    return make_error(str(value), etype.__name__, traceback.format_list(frames), invoke_id)


def _indent(line):
    n = len(line) - len(line.lstrip(" "))
    return ERROR_LOG_IDENT * n + line[n:]


def log_error(err):
    """Writes AWS's one-record "[ERROR]" report; lines joined by \\r."""
    desc = "[ERROR]"
    if err.get("errorType"):
        desc += " " + err["errorType"]
    if err.get("errorMessage"):
        if err.get("errorType"):
            desc += ":"
        desc += " " + err["errorMessage"]
    lines = [desc]
    if err.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in err["stackTrace"]:
            if element == "":
                lines.append("")
            else:
                lines.extend(_indent(l) for l in element.splitlines())
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


def log_line(level, msg):
    """Writes one record as the root log handler would, without importing
    logging."""
    now = time.time()
    sys.stdout.write("[%s]\t%s.%03dZ\t%s\t%s\n" % (
        level, time.strftime(LOG_DATEFMT, time.gmtime(now)), int((now - int(now)) * 1000),
        State.request_id or "", msg))


def flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


# --- import hooks: logging setup and old-botocore endpoint support ----------


class _HookedLoader(object):
    def __init__(self, loader, callback):
        self._loader = loader
        self._callback = callback

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._callback(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class PostImportHooks(object):
    """A meta path finder that runs a callback once a chosen module has been
    executed, so the runtime pays for a module only if user code imports it."""

    def __init__(self, hooks):
        self.hooks = dict(hooks)

    def find_spec(self, fullname, path, target=None):
        callback = self.hooks.get(fullname)
        if callback is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            try:
                spec = finder.find_spec(fullname, path, target)
            except TypeError:  # a finder without the optional target argument
                spec = finder.find_spec(fullname, path)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        del self.hooks[fullname]
        spec.loader = _HookedLoader(spec.loader, callback)
        return spec

    def install(self):
        for name in list(self.hooks):
            module = sys.modules.get(name)
            if module is not None:
                self.hooks.pop(name)(module)
        sys.meta_path.insert(0, self)


def setup_logging(logging):
    """Installs AWS's root handler: "[LEVEL]\\t<UTC time>.<ms>Z\\t<request id>\\t<message>\\n"
    written to stdout; the root level stays WARNING unless AWS_LAMBDA_LOG_LEVEL
    says otherwise, as on AWS."""
    logging.Formatter.converter = time.gmtime

    class LambdaLoggerHandler(logging.Handler):
        def __init__(self):
            logging.Handler.__init__(self)

        def emit(self, record):
            try:
                sys.stdout.write(self.format(record))
            except Exception:
                self.handleError(record)

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = State.request_id or ""
            return True

    handler = LambdaLoggerHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATEFMT))
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()
    if level in ("CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "NOTSET"):
        root.setLevel(level)
    root.addHandler(handler)


def _configured_endpoint(service_name):
    env = os.environ
    specific = env.get("AWS_ENDPOINT_URL_" + str(service_name).upper().replace("-", "_").replace(" ", "_"))
    return specific or env.get("AWS_ENDPOINT_URL")


def patch_botocore_session(module):
    """Makes botocore without configured-endpoint support (before 1.31 /
    boto3 1.28) honour AWS_ENDPOINT_URL[_<SERVICE>] for every client."""
    if not os.environ.get("AWS_ENDPOINT_URL"):
        return
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return
    config = sys.modules.get("botocore.configprovider")
    defaults = getattr(config, "BOTOCORE_DEFAUT_SESSION_VARIABLES", None) or {}
    if "ignore_configured_endpoint_urls" in defaults:
        return  # this botocore reads the endpoint variables itself
    session_cls = getattr(module, "Session", None)
    original = getattr(session_cls, "create_client", None)
    if original is None or getattr(original, "_nubo_patched", False):
        return

    def create_client(self, service_name, *args, **kwargs):
        if len(args) > 4:
            if args[4] is None:
                args = args[:4] + (_configured_endpoint(service_name),) + args[5:]
        elif kwargs.get("endpoint_url") is None:
            kwargs["endpoint_url"] = _configured_endpoint(service_name)
        return original(self, service_name, *args, **kwargs)

    create_client._nubo_patched = True
    create_client.__doc__ = original.__doc__
    session_cls.create_client = create_client


# --- handler loading and the invoke loop ------------------------------------


def load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))
    import importlib

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(FaultException.BUILT_IN_MODULE_CONFLICT,
                                 "Cannot use built-in module {} as a handler module".format(modname))
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(FaultException.IMPORT_MODULE_ERROR,
                             "Unable to import module '{}': {}".format(modname, str(e)))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(FaultException.USER_CODE_SYNTAX_ERROR,
                             "Syntax error in module '{}': {}".format(modname, str(e)), trace)
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(FaultException.HANDLER_NOT_FOUND,
                             "Handler '{}' missing on module '{}'".format(fname, modname), None)


def handle_invocation(client, encoder, request_handler, hdrs, body):
    invoke_id = hdrs.get("lambda-runtime-aws-request-id", "")
    State.request_id = invoke_id
    trace_id = hdrs.get("lambda-runtime-trace-id")
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    err = None
    try:
        context = make_context(hdrs, invoke_id)
        event = unmarshal_request(body, hdrs.get("content-type"))
        response = request_handler(event, context)
        result, content_type = marshal_response(encoder, response)
    except FaultException as e:
        err = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        err = fault_from_exception(sys.exc_info(), invoke_id)
    path = "invocation/%s/" % invoke_id
    if err is not None:
        log_error(err)
        flush_output()
        payload = to_json(err).encode("utf-8")
        client.post(path + "error", payload, {ERROR_TYPE_HEADER: err["errorType"],
                                              "Content-Type": "application/json"})
    else:
        flush_output()
        client.post(path + "response", result, {"Content-Type": content_type})


def setup_sys_path(task_root):
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if p and os.path.abspath(p) != here]
    ver = "python%d.%d" % sys.version_info[:2]
    front = [task_root, "/opt/python/lib/%s/site-packages" % ver, "/opt/python"]
    sys.path[:] = front + [p for p in rest if p not in front]


def init(client):
    """Loads the handler; on failure posts /init/error and exits."""
    handler = os.environ.get("_HANDLER") or (sys.argv[1] if len(sys.argv) > 1 else "")
    err = None
    try:
        request_handler = load_handler(handler)
    except FaultException as e:
        err = make_error(e.msg, e.exception_type, e.trace)
    except Exception:
        err = fault_from_exception(sys.exc_info())
    if err is None:
        flush_output()
        return request_handler
    log_line("WARNING", UNHANDLED_WARNING)
    log_error(err)
    flush_output()
    client.post("init/error", to_json(err).encode("utf-8"),
                {ERROR_TYPE_HEADER: err["errorType"], "Content-Type": "application/json"})
    sys.exit(1)


def main():
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("nubo runtime: AWS_LAMBDA_RUNTIME_API is not set\n")
        sys.exit(2)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    setup_sys_path(task_root)
    if os.path.isdir(task_root):
        os.chdir(task_root)
    PostImportHooks({"logging": setup_logging, "botocore.session": patch_botocore_session}).install()
    client = RuntimeClient(address)
    request_handler = init(client)
    encoder = Encoder()
    while True:
        hdrs, body = client.next()
        handle_invocation(client, encoder, request_handler, hdrs, body)


if __name__ == "__main__":
    main()
