package edge

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
)

// route is the result of identifying a request: which service, which protocol and
// (for RPC protocols) which operation it names.
type route struct {
	svc      *entry
	protocol awsapi.Protocol
	// opName is the operation named by X-Amz-Target, the CBOR path or Action=;
	// empty for REST protocols, whose operation the router finds.
	opName string
	// target is the raw X-Amz-Target or CBOR service name, for error messages.
	target string
}

// cborPath matches Smithy RPC v2 CBOR request paths, with an optional prefix.
var cborPath = regexp.MustCompile(`^(?:/.*)?/service/([^/]+)/operation/([^/]+)$`)

// lambdaPath matches the date-versioned path prefixes of the Lambda API.
var lambdaPath = regexp.MustCompile(`^/20[0-9]{2}-[0-9]{2}-[0-9]{2}/`)

// apigatewayRoots are the top-level paths of the API Gateway v1 control plane.
var apigatewayRoots = []string{
	"/restapis", "/apikeys", "/usageplans", "/domainnames", "/account", "/clientcertificates",
	"/vpclinks", "/sdktypes", "/tags", "/domainnameaccessassociations", "/rejectdomainnameaccessassociations",
}

// mediaType returns the Content-Type without parameters, lower-cased and
// trimmed. (mime.ParseMediaType yields the same media type when it succeeds,
// and does more work: it also parses and checks the parameters.)
func mediaType(r *http.Request) string {
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return lowerASCII(strings.TrimSpace(mt))
}

// lowerASCII is strings.ToLower without the allocation when s has no upper
// case letter (the common "application/x-amz-json-1.0").
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// identify picks service and protocol for r as reference/protocols.md §1.2 says.
// scopeService is the SigV4 credential-scope service ("" when unsigned or SigV2);
// form holds the decoded query-protocol parameters when the caller has read them
// (POST form bodies) and is nil otherwise. It returns a protocol even when the
// service is unknown (svc nil), so the error can be written in the client's
// protocol.
func (s *Server) identify(r *http.Request, scopeService string, form formParams) route {
	if r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor" {
		if m := cborPath.FindStringSubmatch(r.URL.Path); m != nil {
			return route{svc: s.byTarget[m[1]], protocol: awsapi.ProtocolCBOR, opName: m[2], target: m[1]}
		}
	}
	mt := mediaType(r)
	if target := r.Header.Get("X-Amz-Target"); target != "" && strings.HasPrefix(mt, "application/x-amz-json-") {
		prefix, op := splitTarget(target)
		return route{svc: s.byTarget[prefix], protocol: awsapi.ProtocolJSON, opName: op, target: target}
	}
	if action := form.get("Action"); action != "" {
		var e *entry
		if scopeService != "" {
			e = s.bySigning[scopeService]
		} else {
			e = s.byQueryVersion[form.get("Version")]
		}
		if e != nil && e.api.Speaks(awsapi.ProtocolEC2) {
			return route{svc: e, protocol: awsapi.ProtocolEC2, opName: action}
		}
		return route{svc: e, protocol: awsapi.ProtocolQuery, opName: action}
	}
	switch e := s.bySigning[scopeService]; {
	case e != nil && e.api.Speaks(awsapi.ProtocolRestJSON):
		return route{svc: e, protocol: awsapi.ProtocolRestJSON}
	case e != nil && e.api.Speaks(awsapi.ProtocolRestXML):
		return route{svc: e, protocol: awsapi.ProtocolRestXML}
	case e != nil && scopeService != "s3":
		// A signed request for an RPC service that named no operation.
		return route{svc: e, protocol: e.api.Protocols[0]}
	}
	if scopeService == "" {
		if lambdaPath.MatchString(r.URL.Path) {
			if e := s.byID["lambda"]; e != nil {
				return route{svc: e, protocol: awsapi.ProtocolRestJSON}
			}
		}
		for _, root := range apigatewayRoots {
			if r.URL.Path == root || strings.HasPrefix(r.URL.Path, root+"/") {
				if e := s.byID["apigateway"]; e != nil {
					return route{svc: e, protocol: awsapi.ProtocolRestJSON}
				}
			}
		}
	}
	return route{svc: s.byID["s3"], protocol: awsapi.ProtocolRestXML}
}

// splitTarget splits an X-Amz-Target into its service prefix and operation. The
// operation is the text after the last '.'; the prefix is the text before it, and
// for CloudTrail's long botocore form
// ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.Op") the last
// dot-separated element of it.
func splitTarget(target string) (prefix, op string) {
	i := strings.LastIndexByte(target, '.')
	if i < 0 {
		return "", target
	}
	prefix, op = target[:i], target[i+1:]
	if j := strings.LastIndexByte(prefix, '.'); j >= 0 && strings.HasPrefix(prefix, "com.amazonaws.") {
		prefix = prefix[j+1:]
	}
	return prefix, op
}

// isFormPost reports whether r may carry query-protocol parameters in its body.
func isFormPost(r *http.Request) bool {
	return r.Method == http.MethodPost && mediaType(r) == "application/x-www-form-urlencoded"
}
