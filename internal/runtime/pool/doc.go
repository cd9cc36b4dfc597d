// Package pool runs Lambda invocations: it keeps warm function instances
// (sandboxed runtime processes, each with its own Runtime API endpoint),
// starts new ones on cold starts, enforces account and reserved concurrency,
// reaps idle instances on the Nubo clock and writes every instance's output
// to CloudWatch Logs. *Pool implements lambda.Executor.
//
// Instances belong to one function version configuration: the function ARN,
// the version, the code hash and the revision id. An idle instance is reused
// most-recently-used first; an instance that timed out, crashed or ran out
// of memory is discarded, so the next invocation starts a fresh one. Idle
// instances die after Config.IdleTimeout of Nubo time (the timers run on the
// clock, so advancing the Nubo clock reaps them).
//
// Runtimes: python3.8 … python3.13 run the host's Python 3 (mounted at
// /var/lang) with Nubo's bootstrap (at /var/runtime); provided,
// provided.al2 and provided.al2023 run /var/task/bootstrap. The environment
// is the one AWS documents for the runtime, plus AWS_ENDPOINT_URL pointing
// at Nubo, the execution role's temporary credentials and the function's own
// variables.
//
// Cold starts: a Python instance is forked from a zygote (package zygote),
// a pre-initialised interpreter of the runtime's Python that has imported
// the bootstrap and boto3, when it can be: the host is in sandbox Isolated
// mode, Config.CodeRoot is set and the version's CodeDir lies directly in
// it (its base name is the zygote's code directory), the function has no
// layers, its environment sets no variable a running interpreter cannot
// honour (zygote.Compatible: PYTHONHASHSEED, LD_LIBRARY_PATH, ...), and the
// zygote started and runs the runtime's Python version. Any other instance,
// and every instance when Config.DisableZygote is set, starts its own
// interpreter with sandbox.Start; so does one whose fork fails. A handler
// that imports boto3 then starts in tens of milliseconds instead of
// hundreds. Both paths give the same environment, /var/task, /tmp, user,
// limits, output pipe and failure shapes, and the Init Duration covers the
// start either way. The pool keeps one zygote per interpreter, created and
// started by the first cold start that can use it (so server start does
// not pay for it, and that first cold start takes about as long as a plain
// one); a zygote that dies is restarted by the next cold start, one that
// fails to start is retried after a minute (cold starts use sandbox.Start
// meanwhile), and Close stops it after the instances. Info.Zygote reports
// its state; Stats counts instances by path.
//
// Differences of forked instances, beyond speed: the preloaded modules
// (boto3, botocore, ...) are already in sys.modules before the handler
// imports them (a function that bundles its own copy of any of them gets
// fresh imports of all, and a plain cold start's speed); the str hash
// secret is the zygote's; /proc/self/cmdline names the zygote's script;
// pages shared with the zygote are charged to the zygote, so Max Memory
// Used is lower and a memory limit counts only what the instance touched
// itself; and an instance dies with its zygote (an invocation in flight
// then fails with Runtime.ExitError; idle ones are dropped).
//
// Logs: every instance writes to the group /aws/lambda/<function> (or the
// version's LogGroup), stream YYYY/MM/DD/[<version>]<32 hex>, dated by the
// Nubo clock when the instance starts. Each output line (stdout and stderr
// share one pipe) is one event, its message ending in "\n" as Lambda's do;
// the Python bootstrap's multi-line records use "\r" inside one line and so
// stay one event. Lines longer than 256 KB are truncated to 256 KB. The
// platform adds START, END and REPORT lines (Init Duration on cold starts;
// Billed Duration rounded up to the millisecond and including the init time
// since AWS's August 2025 billing change; Max Memory Used from the cgroup
// peak). Events are shipped to the LogSink in batches by one goroutine; a
// bounded queue makes a function that prints faster than the sink stores
// wait, so nothing is dropped and memory stays bounded.
//
// Output attribution: after the Runtime API returns an invocation's answer
// the pool writes a per-instance random marker into the output pipe and
// waits until its reader reaches it, so every byte the runtime flushed
// before answering is attributed to that invocation (the bootstrap's output
// contract).
//
// Failures and their AWS shapes:
//
//	timeout      {"errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds","errorType":"Sandbox.Timedout"},
//	             log line "<time> <id> Task timed out after 3.00 seconds", REPORT … Status: timeout;
//	             the whole instance is killed at the deadline
//	runtime exit {"errorMessage":"RequestId: <id> Error: Runtime exited with error: exit status 3","errorType":"Runtime.ExitError"}
//	out of memory the same with "signal: killed" and errorType Runtime.OutOfMemory
//	bad bootstrap Runtime.InvalidEntrypoint ("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
//	init error   the runtime's /init/error document, logged with an INIT_REPORT line
//
// Deviations: init is not retried in the invoke phase as AWS does after a
// failed init (the invocation fails with the init error and the next one
// starts a new instance); the init limit is max(10 s, function timeout);
// LogFormat JSON is not applied to the platform lines; layers are not
// mounted; unreserved capacity is the account limit minus the reservations
// of functions the pool has seen.
package pool
