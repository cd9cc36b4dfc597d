package lambda

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

func TestCreateFunctionValidation(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("exists")
	big := map[string]string{"BIG": strings.Repeat("v", 4100)}
	cases := []struct {
		name   string
		mutate func(in *lambdaapi.CreateFunctionInput)
		code   string
		msg    string
	}{
		{"ok", func(in *lambdaapi.CreateFunctionInput) {}, "", ""},
		{"bad name", func(in *lambdaapi.CreateFunctionInput) { in.FunctionName = ptr("bad name") }, "ValidationException", "functionName"},
		{"name too long", func(in *lambdaapi.CreateFunctionInput) { in.FunctionName = ptr(strings.Repeat("a", 65)) }, "InvalidParameterValueException", "64 characters"},
		{"unknown runtime", func(in *lambdaapi.CreateFunctionInput) { in.Runtime = ptr("cobol9") }, "ValidationException", "enum value set"},
		{"deprecated runtime", func(in *lambdaapi.CreateFunctionInput) { in.Runtime = ptr("python2.7") }, "InvalidParameterValueException", "no longer supported"},
		{"aws-only runtime", func(in *lambdaapi.CreateFunctionInput) { in.Runtime = ptr("nodejs20.x") }, "InvalidParameterValueException", "supported runtimes"},
		{"no handler", func(in *lambdaapi.CreateFunctionInput) { in.Handler = nil }, "InvalidParameterValueException", "mandatory"},
		{"handler with space", func(in *lambdaapi.CreateFunctionInput) { in.Handler = ptr("a b") }, "ValidationException", "handler"},
		{"no role", func(in *lambdaapi.CreateFunctionInput) { in.Role = nil }, "ValidationException", "Value null at 'role'"},
		{"bad role arn", func(in *lambdaapi.CreateFunctionInput) { in.Role = ptr("lambda-role") }, "ValidationException", "role"},
		{"missing role", func(in *lambdaapi.CreateFunctionInput) {
			in.Role = ptr("arn:aws:iam::123456789012:role/nope")
		}, "InvalidParameterValueException", "cannot be assumed by Lambda"},
		{"untrusting role", func(in *lambdaapi.CreateFunctionInput) { in.Role = ptr(ec2RoleARN) }, "InvalidParameterValueException", "cannot be assumed by Lambda"},
		{"memory low", func(in *lambdaapi.CreateFunctionInput) { in.MemorySize = ptr(int32(64)) }, "ValidationException", "greater than or equal to 128"},
		{"memory high", func(in *lambdaapi.CreateFunctionInput) { in.MemorySize = ptr(int32(10241)) }, "ValidationException", "less than or equal to 10240"},
		{"timeout", func(in *lambdaapi.CreateFunctionInput) { in.Timeout = ptr(int32(901)) }, "ValidationException", "less than or equal to 900"},
		{"ephemeral", func(in *lambdaapi.CreateFunctionInput) {
			in.EphemeralStorage = &lambdaapi.EphemeralStorage{Size: ptr(int32(100))}
		}, "ValidationException", "ephemeralStorage.size"},
		{"reserved env", func(in *lambdaapi.CreateFunctionInput) {
			in.Environment = &lambdaapi.Environment{Variables: map[string]string{"AWS_REGION": "x"}}
		}, "InvalidParameterValueException", "Reserved keys used in this request: AWS_REGION"},
		{"env too big", func(in *lambdaapi.CreateFunctionInput) { in.Environment = &lambdaapi.Environment{Variables: big} }, "InvalidParameterValueException", "exceeded the 4KB limit"},
		{"not a zip", func(in *lambdaapi.CreateFunctionInput) { in.Code.ZipFile = []byte("hello") }, "InvalidParameterValueException", "Could not unzip uploaded file"},
		{"s3 code", func(in *lambdaapi.CreateFunctionInput) {
			in.Code = &lambdaapi.FunctionCode{S3Bucket: ptr("b"), S3Key: ptr("k")}
		}, "InvalidParameterValueException", "S3 code source not available yet"},
		{"duplicate", func(in *lambdaapi.CreateFunctionInput) { in.FunctionName = ptr("exists") }, "ResourceConflictException", "Function already exist: exists"},
		{"layers", func(in *lambdaapi.CreateFunctionInput) { in.Layers = []string{"arn:aws:lambda:us-east-1:1:layer:x:1"} }, "InvalidParameterValueException", "layers"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := createInput("fn"+strings.Repeat("x", i), helloZip(t))
			tc.mutate(in)
			out, err := call[lambdaapi.CreateFunctionOutput](e, "CreateFunction", in)
			wantCode(t, err, tc.code, 0)
			if err != nil && !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("message %q does not contain %q", err, tc.msg)
			}
			if err == nil && (deref(out.State) != "Pending" || deref(out.Version) != "$LATEST" || deref(out.MemorySize) != 128 || deref(out.Timeout) != 3) {
				t.Fatalf("unexpected create output %+v", out)
			}
		})
	}
}

func TestCreateTooLargeZip(t *testing.T) {
	e := newEnv(t, Options{})
	in := createInput("big", make([]byte, MaxZippedDirect+1))
	_, err := call[lambdaapi.CreateFunctionOutput](e, "CreateFunction", in)
	wantCode(t, err, "RequestEntityTooLargeException", http.StatusRequestEntityTooLarge)
}

func TestStatesAndWaiters(t *testing.T) {
	e := newEnv(t, Options{StateSettle: 2 * time.Second})
	out := e.create("f")
	if deref(out.State) != "Pending" || deref(out.StateReasonCode) != "Creating" {
		t.Fatalf("create state %v", deref(out.State))
	}
	get := func() *lambdaapi.FunctionConfiguration {
		g, err := call[lambdaapi.GetFunctionOutput](e, "GetFunction", &lambdaapi.GetFunctionInput{FunctionName: ptr("f")})
		if err != nil {
			t.Fatal(err)
		}
		return g.Configuration
	}
	if s := deref(get().State); s != "Pending" {
		t.Fatalf("state before settle %s", s)
	}
	if err := e.sys.Clock.Advance(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if c := get(); deref(c.State) != "Active" || deref(c.LastUpdateStatus) != "Successful" {
		t.Fatalf("after settle %s/%s", deref(c.State), deref(c.LastUpdateStatus))
	}
	up, err := call[lambdaapi.UpdateFunctionConfigurationOutput](e, "UpdateFunctionConfiguration",
		&lambdaapi.UpdateFunctionConfigurationInput{FunctionName: ptr("f"), MemorySize: ptr(int32(256))})
	if err != nil {
		t.Fatal(err)
	}
	if deref(up.LastUpdateStatus) != "InProgress" || deref(up.MemorySize) != 256 || deref(up.State) != "Active" {
		t.Fatalf("update output %s %d", deref(up.LastUpdateStatus), deref(up.MemorySize))
	}
	if s := deref(get().LastUpdateStatus); s != "InProgress" {
		t.Fatalf("status before settle %s", s)
	}
	_ = e.sys.Clock.Advance(3 * time.Second)
	if s := deref(get().LastUpdateStatus); s != "Successful" {
		t.Fatalf("status after settle %s", s)
	}
	e.exec.mu.Lock()
	retired := len(e.exec.retired)
	e.exec.mu.Unlock()
	if retired == 0 {
		t.Fatal("update did not retire warm instances")
	}
}

func TestZipSafety(t *testing.T) {
	bomb := makeZip(t, zipEntry{name: "zeros.bin", body: strings.Repeat("\x00", 20<<20)})
	cases := []struct {
		name string
		zip  []byte
		msg  string
	}{
		{"zip slip", makeZip(t, zipEntry{name: "../evil.py", body: "x"}), "outside the package"},
		{"nested zip slip", makeZip(t, zipEntry{name: "a/../../evil.py", body: "x"}), "outside the package"},
		{"absolute", makeZip(t, zipEntry{name: "/etc/evil", body: "x"}), "absolute path"},
		{"symlink escape", makeZip(t, zipEntry{name: "link", body: "../../etc/passwd", mode: os.ModeSymlink | 0o777}), "symbolic link"},
		{"absolute symlink", makeZip(t, zipEntry{name: "link", body: "/etc/passwd", mode: os.ModeSymlink | 0o777}), "symbolic link"},
		{"symlink via root parent", makeZip(t,
			zipEntry{name: "self", body: ".", mode: os.ModeSymlink | 0o777},
			zipEntry{name: "up", body: "self/..", mode: os.ModeSymlink | 0o777}), "symbolic link"},
		{"zip bomb", bomb, "zip bomb"},
		{"not a zip", []byte("PK\x03\x04 nope"), "Could not unzip uploaded file"},
		{"duplicate", makeZip(t, zipEntry{name: "a.py", body: "1"}, zipEntry{name: "a.py", body: "2"}), "duplicate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			err := extractZip(tc.zip, root)
			wantCode(t, err, "InvalidParameterValueException", http.StatusBadRequest)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("message %q does not contain %q", err, tc.msg)
			}
		})
	}
}

func TestExtractModesAndLinks(t *testing.T) {
	e := newEnv(t, Options{})
	z := makeZip(t,
		zipEntry{name: "bootstrap", body: "#!/bin/sh\n", mode: 0o700},
		zipEntry{name: "lib/mod.py", body: "X = 1\n", mode: 0o600},
		zipEntry{name: "current", body: "lib", mode: os.ModeSymlink | 0o777})
	in := createInput("modes", z)
	in.Runtime, in.Handler = ptr("provided.al2023"), ptr("missing.handler") // a missing handler is not a create-time error
	out, err := call[lambdaapi.CreateFunctionOutput](e, "CreateFunction", in)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := e.svc.CodeDir(ctx(), deref(out.CodeSha256))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"bootstrap": 0o755, "lib/mod.py": 0o644, "lib": 0o755 | os.ModeDir} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != want {
			t.Errorf("%s mode %v, want %v", name, st.Mode(), want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "current", "mod.py")); err != nil || string(b) != "X = 1\n" {
		t.Fatalf("link inside the package: %q %v", b, err)
	}
	// CodeDir re-extracts from the blob store when the directory is gone.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if again, err := e.svc.CodeDir(ctx(), deref(out.CodeSha256)); err != nil || again != dir {
		t.Fatalf("re-extract: %s %v", again, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
		t.Fatal(err)
	}
}

func TestFunctionNameForms(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("forms")
	cases := []struct {
		ref, qual, code string
	}{
		{"forms", "", ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:forms", "", ""},
		{"123456789012:function:forms", "", ""},
		{"forms:$LATEST", "", ""},
		{"forms:$LATEST", "$LATEST", ""},
		{"forms:1", "2", "InvalidParameterValueException"},
		{"arn:aws:lambda:eu-west-1:123456789012:function:forms", "", "ResourceNotFoundException"},
		{"other", "", "ResourceNotFoundException"},
		{"forms", "7", "ResourceNotFoundException"},
		{"forms", "nosuchalias", "ResourceNotFoundException"},
		{"bad/name", "", "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.ref+"|"+tc.qual, func(t *testing.T) {
			in := &lambdaapi.GetFunctionConfigurationInput{FunctionName: ptr(tc.ref)}
			if tc.qual != "" {
				in.Qualifier = ptr(tc.qual)
			}
			_, err := call[lambdaapi.GetFunctionConfigurationOutput](e, "GetFunctionConfiguration", in)
			wantCode(t, err, tc.code, 0)
		})
	}
	_, err := call[lambdaapi.GetFunctionOutput](e, "GetFunction", &lambdaapi.GetFunctionInput{FunctionName: ptr("nope")})
	if err == nil || !strings.Contains(err.Error(), "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope") {
		t.Fatalf("not-found message: %v", err)
	}
}

func TestListFunctionsPagination(t *testing.T) {
	e := newEnv(t, Options{})
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		e.create(n)
	}
	if _, err := call[lambdaapi.PublishVersionOutput](e, "PublishVersion", &lambdaapi.PublishVersionInput{FunctionName: ptr("c")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		version string
		want    string
	}{{"", "a b c d e"}, {"ALL", "a b c c:1 d e"}} {
		t.Run("version="+tc.version, func(t *testing.T) {
			var got []string
			var marker *string
			for page := 0; page < 10; page++ {
				in := &lambdaapi.ListFunctionsInput{MaxItems: ptr(int32(2)), Marker: marker}
				if tc.version != "" {
					in.FunctionVersion = ptr(tc.version)
				}
				out, err := call[lambdaapi.ListFunctionsOutput](e, "ListFunctions", in)
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Functions) > 2 {
					t.Fatalf("page of %d", len(out.Functions))
				}
				for _, f := range out.Functions {
					n := deref(f.FunctionName)
					if v := deref(f.Version); v != "$LATEST" {
						n += ":" + v
					}
					got = append(got, n)
				}
				if marker = out.NextMarker; marker == nil {
					break
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("listed %v, want %s", got, tc.want)
			}
		})
	}
}
