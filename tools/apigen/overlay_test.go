package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nubo/nubo/internal/awsapi"
)

func TestMergeOverlay(t *testing.T) {
	model, err := trimModel(demoModel(t), []string{"PutThing"})
	if err != nil {
		t.Fatal(err)
	}
	old, err := readModel("testdata/old", "demo", "2020-01-01")
	if err != nil {
		t.Fatal(err)
	}
	mergeOverlay(model, old)
	shapes, ops := model.get("shapes"), model.get("operations")
	tests := []struct {
		name string
		got  *node
		key  string
		want string // "" means absent
	}{
		{"namespace", model.get("metadata"), "xmlNamespace", `"http://demo.example/doc/2020-01-01/"`},
		{"result wrapper", ops.get("PutThing").get("output"), "resultWrapper", `"PutThingResult"`},
		{"no wrapper when the output shape differs", ops.get("GetThing").get("output"), "resultWrapper", ""},
		{"member locationName", shapes.get("PutThingRequest").get("members").get("Zeta"), "locationName", `"OldZeta"`},
		{"member flattened", shapes.get("PutThingRequest").get("members").get("Tags"), "flattened", "true"},
		{"map key locationName", shapes.get("TagMap").get("key"), "locationName", `"Key"`},
		{"new trait wins", shapes.get("TagMap"), "flattened", "true"},
		{"shape flattened", shapes.get("ThingList"), "flattened", "true"},
		{"list member locationName", shapes.get("ThingList").get("member"), "locationName", `"Thing"`},
		{"shapes of another type are skipped", shapes.get("Thing"), "locationName", ""},
		{"error", shapes.get("NotFound"), "error", `{"code":"Demo.NotFound","httpStatusCode":404,"senderFault":true}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.got.get(tc.key)
			got := ""
			if v != nil {
				got = compact(v)
			}
			if got != tc.want {
				t.Errorf("%s = %s, want %s", tc.key, got, tc.want)
			}
		})
	}
	protos := model.get("metadata").get("protocols")
	if len(protos.vals) != 2 || protos.vals[0].str() != "json" || protos.vals[1].str() != "query" {
		t.Errorf("protocols = %s", compact(protos))
	}
	mergeOverlay(model, old) // idempotent
	if len(protos.vals) != 2 {
		t.Errorf("second merge added protocols: %s", compact(protos))
	}
	out, err := model.marshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := awsapi.Load("demo", out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := svc.ErrorShape("Demo.NotFound"); e == nil || e.Error.HTTPStatus != 404 {
		t.Errorf("Demo.NotFound error shape = %+v", e)
	}
}

func TestMergeOverlayProtocolFromProtocol(t *testing.T) {
	model, _ := parseJSON([]byte(`{"metadata":{"protocol":"json"},"operations":{},"shapes":{}}`))
	old, _ := parseJSON([]byte(`{"metadata":{"protocol":"query"}}`))
	mergeOverlay(model, old)
	if got := compact(model.get("metadata")); got != `{"protocol":"json","protocols":["json","query"]}` {
		t.Errorf("metadata = %s", got)
	}
}

// TestSQSOverlayReal merges the installed old SQS model into the new one, as the
// sqs configuration does.
func TestSQSOverlayReal(t *testing.T) {
	botocore := botocoreDir(t)
	oldDir := "/usr/lib/python3/dist-packages/botocore"
	if _, err := os.Stat(filepath.Join(oldDir, "data", "sqs")); err != nil {
		t.Skip("old botocore (python3-botocore) not installed")
	}
	full, err := readModel(botocore, "sqs", "2012-11-05")
	if err != nil {
		t.Fatal(err)
	}
	model, err := trimModel(full, []string{"SendMessage", "ReceiveMessage"})
	if err != nil {
		t.Fatal(err)
	}
	old, err := readModel(oldDir, "sqs", "2012-11-05")
	if err != nil {
		t.Fatal(err)
	}
	mergeOverlay(model, old)
	shapes := model.get("shapes")
	if got := model.get("operations").get("SendMessage").get("output").getStr("resultWrapper"); got != "SendMessageResult" {
		t.Errorf("SendMessage resultWrapper %q", got)
	}
	attrs := shapes.get("SendMessageRequest").get("members").get("MessageAttributes")
	if attrs.getStr("locationName") != "MessageAttribute" || !shapes.get(attrs.getStr("shape")).get("flattened").isTrue() {
		t.Errorf("MessageAttributes = %s", compact(attrs))
	}
	if got := shapes.get("QueueDoesNotExist").get("error").getStr("code"); got != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("QueueDoesNotExist code %q", got)
	}
	if protos := model.get("metadata").get("protocols"); !slices.ContainsFunc(protos.vals, func(n *node) bool { return n.str() == "query" }) {
		t.Errorf("protocols %s lack query", compact(protos))
	}
}

func compact(n *node) string {
	var b bytes.Buffer
	n.writeTo(&b)
	return b.String()
}
