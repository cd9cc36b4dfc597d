package sns

import (
	"strings"
	"testing"
)

// str, num and arr build message attributes for the tables.
func str(v string) AttributeValue { return AttributeValue{DataType: "String", StringValue: v} }
func num(v string) AttributeValue { return AttributeValue{DataType: "Number", StringValue: v} }
func arr(v string) AttributeValue { return AttributeValue{DataType: "String.Array", StringValue: v} }

var attrCases = []struct {
	name   string
	policy string
	attrs  map[string]AttributeValue
	want   bool
}{
	{"exact string", `{"store":["example_corp"]}`, map[string]AttributeValue{"store": str("example_corp")}, true},
	{"exact string miss", `{"store":["example_corp"]}`, map[string]AttributeValue{"store": str("other")}, false},
	{"case sensitive", `{"store":["example_corp"]}`, map[string]AttributeValue{"store": str("Example_Corp")}, false},
	{"missing key", `{"store":["example_corp"]}`, map[string]AttributeValue{"other": str("example_corp")}, false},
	{"OR within key", `{"event":["order_placed","order_cancelled"]}`, map[string]AttributeValue{"event": str("order_cancelled")}, true},
	{"AND across keys", `{"store":["a"],"event":["x"]}`, map[string]AttributeValue{"store": str("a"), "event": str("x")}, true},
	{"AND across keys miss", `{"store":["a"],"event":["x"]}`, map[string]AttributeValue{"store": str("a"), "event": str("y")}, false},
	{"string does not match number", `{"price":["100"]}`, map[string]AttributeValue{"price": num("100")}, false},
	{"exact number", `{"price":[100]}`, map[string]AttributeValue{"price": num("100.0")}, true},
	{"exact number vs string attr", `{"price":[100]}`, map[string]AttributeValue{"price": str("100")}, false},
	{"numeric range", `{"price_usd":[{"numeric":[">=",100,"<",200]}]}`, map[string]AttributeValue{"price_usd": num("150")}, true},
	{"numeric range top exclusive", `{"price_usd":[{"numeric":[">=",100,"<",200]}]}`, map[string]AttributeValue{"price_usd": num("200")}, false},
	{"numeric range bottom inclusive", `{"price_usd":[{"numeric":[">=",100,"<",200]}]}`, map[string]AttributeValue{"price_usd": num("100")}, true},
	{"numeric equals", `{"price_usd":[{"numeric":["=",301.5]}]}`, map[string]AttributeValue{"price_usd": num("301.50")}, true},
	{"numeric less", `{"price_usd":[{"numeric":["<",0]}]}`, map[string]AttributeValue{"price_usd": num("-1")}, true},
	{"numeric on string attr", `{"price_usd":[{"numeric":[">",0]}]}`, map[string]AttributeValue{"price_usd": str("5")}, false},
	{"prefix", `{"customer_interests":[{"prefix":"bas"}]}`, map[string]AttributeValue{"customer_interests": str("baseball")}, true},
	{"prefix miss", `{"customer_interests":[{"prefix":"bas"}]}`, map[string]AttributeValue{"customer_interests": str("rugby")}, false},
	{"suffix", `{"customer_interests":[{"suffix":"ball"}]}`, map[string]AttributeValue{"customer_interests": str("baseball")}, true},
	{"equals-ignore-case", `{"customer_interests":[{"equals-ignore-case":"RUGBY"}]}`, map[string]AttributeValue{"customer_interests": str("rugby")}, true},
	{"anything-but string", `{"store":[{"anything-but":"example_corp"}]}`, map[string]AttributeValue{"store": str("other")}, true},
	{"anything-but string miss", `{"store":[{"anything-but":"example_corp"}]}`, map[string]AttributeValue{"store": str("example_corp")}, false},
	{"anything-but absent", `{"store":[{"anything-but":"example_corp"}]}`, map[string]AttributeValue{}, false},
	{"anything-but list", `{"interests":[{"anything-but":["rugby","tennis"]}]}`, map[string]AttributeValue{"interests": str("football")}, true},
	{"anything-but list miss", `{"interests":[{"anything-but":["rugby","tennis"]}]}`, map[string]AttributeValue{"interests": str("tennis")}, false},
	{"anything-but number", `{"price":[{"anything-but":[100,500]}]}`, map[string]AttributeValue{"price": num("300")}, true},
	{"anything-but number miss", `{"price":[{"anything-but":[100,500]}]}`, map[string]AttributeValue{"price": num("500")}, false},
	{"anything-but prefix", `{"event":[{"anything-but":{"prefix":"order-"}}]}`, map[string]AttributeValue{"event": str("data-entry")}, true},
	{"anything-but prefix miss", `{"event":[{"anything-but":{"prefix":"order-"}}]}`, map[string]AttributeValue{"event": str("order-cancelled")}, false},
	{"anything-but suffix", `{"event":[{"anything-but":{"suffix":".png"}}]}`, map[string]AttributeValue{"event": str("a.jpg")}, true},
	{"exists true", `{"store":[{"exists":true}]}`, map[string]AttributeValue{"store": str("x")}, true},
	{"exists true absent", `{"store":[{"exists":true}]}`, map[string]AttributeValue{}, false},
	{"exists false absent", `{"store":[{"exists":false}]}`, map[string]AttributeValue{"other": str("x")}, true},
	{"exists false present", `{"store":[{"exists":false}]}`, map[string]AttributeValue{"store": str("x")}, false},
	{"exists on binary", `{"blob":[{"exists":true}]}`, map[string]AttributeValue{"blob": {DataType: "Binary", BinaryValue: []byte{1}}}, true},
	{"cidr", `{"source_ip":[{"cidr":"10.0.0.0/24"}]}`, map[string]AttributeValue{"source_ip": str("10.0.0.255")}, true},
	{"cidr miss", `{"source_ip":[{"cidr":"10.0.0.0/24"}]}`, map[string]AttributeValue{"source_ip": str("10.0.1.1")}, false},
	{"cidr ipv6", `{"source_ip":[{"cidr":"2001:db8::/32"}]}`, map[string]AttributeValue{"source_ip": str("2001:db8::1")}, true},
	{"string array any element", `{"customer_interests":["rugby"]}`, map[string]AttributeValue{"customer_interests": arr(`["soccer","rugby","hockey"]`)}, true},
	{"string array none", `{"customer_interests":["rugby"]}`, map[string]AttributeValue{"customer_interests": arr(`["soccer","hockey"]`)}, false},
	{"string array numbers", `{"ids":[{"numeric":[">",10]}]}`, map[string]AttributeValue{"ids": arr(`[1, 20]`)}, true},
	{"$or across keys", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`,
		map[string]AttributeValue{"source": str("aws.cloudwatch"), "namespace": str("AWS/EC2")}, true},
	{"$or none", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`,
		map[string]AttributeValue{"source": str("aws.cloudwatch"), "namespace": str("AWS/S3")}, false},
	{"binary never equals", `{"b":["AQ=="]}`, map[string]AttributeValue{"b": {DataType: "Binary", BinaryValue: []byte{1}}}, false},
	{"custom string type", `{"s":["v"]}`, map[string]AttributeValue{"s": {DataType: "String.custom", StringValue: "v"}}, true},
}

func TestFilterAttributes(t *testing.T) {
	for _, tc := range attrCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseFilterPolicy(tc.policy, false)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := p.matchAttributes(tc.attrs); got != tc.want {
				t.Fatalf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

var bodyCases = []struct {
	name   string
	policy string
	body   string
	want   bool
}{
	{"nested exact", `{"patient":{"id":["1"]}}`, `{"patient":{"id":"1","name":"x"}}`, true},
	{"nested miss", `{"patient":{"id":["1"]}}`, `{"patient":{"id":"2"}}`, false},
	{"AWS example store and event", `{"store":["example_corp"],"event":[{"anything-but":"order_cancelled"}],"customer_interests":["rugby","football","baseball"],"price_usd":[{"numeric":[">=",100]}]}`,
		`{"store":"example_corp","event":"order_placed","customer_interests":["soccer","rugby","hockey"],"price_usd":210.75}`, true},
	{"AWS example price too low", `{"store":["example_corp"],"price_usd":[{"numeric":[">=",100]}]}`,
		`{"store":"example_corp","price_usd":99.5}`, false},
	{"array of objects", `{"items":{"sku":["b"]}}`, `{"items":[{"sku":"a"},{"sku":"b"}]}`, true},
	{"deep nesting", `{"a":{"b":{"c":[{"prefix":"x"}]}}}`, `{"a":{"b":{"c":"xyz"}}}`, true},
	{"exists false nested", `{"a":{"b":[{"exists":false}]}}`, `{"a":{"c":1}}`, true},
	{"exists true on object is false", `{"a":[{"exists":true}]}`, `{"a":{"b":1}}`, false},
	{"null literal", `{"a":[null]}`, `{"a":null}`, true},
	{"bool literal", `{"a":[true]}`, `{"a":true}`, true},
	{"not json", `{"a":["b"]}`, `hello`, false},
	{"nested $or", `{"a":{"$or":[{"b":["1"]},{"c":["2"]}]}}`, `{"a":{"c":"2"}}`, true},
}

func TestFilterBody(t *testing.T) {
	for _, tc := range bodyCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseFilterPolicy(tc.policy, true)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := p.matchBody(tc.body); got != tc.want {
				t.Fatalf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

var invalidPolicies = []struct {
	name, policy string
	body         bool
	want         string
}{
	{"not json", `{`, false, "parse JSON"},
	{"not object", `["a"]`, false, "JSON object"},
	{"six keys", `{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`, false, "more than 5 keys"},
	{"too complex", `{"a":["1","2","3","4","5","6"],"b":["1","2","3","4","5"],"c":["1","2","3","4","5","6"]}`, false, "too complex"},
	{"nested in attribute scope", `{"a":{"b":["1"]}}`, false, "cannot be nested"},
	{"empty array", `{"a":[]}`, false, "empty arrays"},
	{"unknown operator", `{"a":[{"regex":"x"}]}`, false, "Unrecognized match type regex"},
	{"bad numeric op", `{"a":[{"numeric":["!=",1]}]}`, false, "numeric range operator"},
	{"numeric range inverted", `{"a":[{"numeric":[">",5,"<",1]}]}`, false, "Bottom must be less than top"},
	{"numeric out of range", `{"a":[{"numeric":[">",10000000000]}]}`, false, "range"},
	{"bad cidr", `{"a":[{"cidr":"10.0.0.1"}]}`, false, "CIDR"},
	{"exists not bool", `{"a":[{"exists":"yes"}]}`, false, "exists"},
	{"$or with one branch", `{"$or":[{"a":["1"]}]}`, false, "$or"},
	{"value not array", `{"a":"b"}`, false, "must be an object or an array"},
	{"nested keys count", `{"a":{"b":["1"],"c":["1"],"d":["1"]},"e":{"f":["1"],"g":["1"],"h":["1"]}}`, true, "more than 5 keys"},
}

func TestFilterPolicyInvalid(t *testing.T) {
	for _, tc := range invalidPolicies {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFilterPolicy(tc.policy, tc.body)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestFilterCombinations(t *testing.T) {
	// 5 × 30 = 150 is the limit exactly.
	vals := make([]string, 30)
	for i := range vals {
		vals[i] = `"v` + strings.Repeat("x", i) + `"`
	}
	ok := `{"a":["1","2","3","4","5"],"b":[` + strings.Join(vals, ",") + `]}`
	if _, err := parseFilterPolicy(ok, false); err != nil {
		t.Fatalf("150 combinations rejected: %v", err)
	}
	over := `{"a":["1","2","3","4","5","6"],"b":[` + strings.Join(vals, ",") + `]}`
	if _, err := parseFilterPolicy(over, false); err == nil {
		t.Fatal("180 combinations accepted")
	}
}

func FuzzFilterPolicy(f *testing.F) {
	for _, tc := range attrCases {
		f.Add(tc.policy, `{"a":"b"}`)
	}
	for _, tc := range bodyCases {
		f.Add(tc.policy, tc.body)
	}
	for _, tc := range invalidPolicies {
		f.Add(tc.policy, "")
	}
	f.Fuzz(func(t *testing.T, policy, body string) {
		for _, scope := range []bool{false, true} {
			p, err := parseFilterPolicy(policy, scope)
			if err != nil {
				continue
			}
			p.matchBody(body)
			p.matchAttributes(map[string]AttributeValue{"a": str(body), "b": arr(body), "c": num(body)})
		}
	})
}
