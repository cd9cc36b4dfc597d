package lambda

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

const latest = "$LATEST"

var (
	nameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	// functionRefRE is the model's FunctionName pattern: a name, a partial ARN
	// (123456789012:function:name) or a full ARN, each with an optional qualifier.
	functionRefRE = regexp.MustCompile(`^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9_-]+)(:(\$LATEST|[a-zA-Z0-9_-]+))?$`)
	aliasRE       = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	versionRE     = regexp.MustCompile(`^[0-9]{1,10}$`)
)

// functionRef is a parsed FunctionName parameter.
type functionRef struct {
	Name      string
	Qualifier string // "" when the reference carries none
}

// parseFunctionRef parses a FunctionName member (name, partial or full ARN,
// optional :qualifier) and checks that an ARN names this region and account.
func (s *Service) parseFunctionRef(member, ref string, allowQualifier bool) (functionRef, error) {
	var v validation
	if ref == "" {
		v.add(member, nil, "Member must not be null")
		return functionRef{}, v.err()
	}
	if len(ref) > 170 {
		v.add(member, &ref, "Member must have length less than or equal to 170")
	}
	m := functionRefRE.FindStringSubmatch(ref)
	if m == nil {
		v.add(member, &ref, "Member must satisfy regular expression pattern: "+
			`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`)
	}
	if err := v.err(); err != nil {
		return functionRef{}, err
	}
	r := functionRef{Name: m[10], Qualifier: m[12]}
	if len(r.Name) > 64 {
		return functionRef{}, invalidParam("Function name can not be longer than 64 characters but function name is %d characters long.", len(r.Name))
	}
	region := strings.TrimSuffix(m[3], ":")
	account := strings.TrimSuffix(m[8], ":")
	if (region != "" && region != s.region) || (account != "" && account != s.account) {
		return functionRef{}, notFound("Function not found: %s", ref)
	}
	if r.Qualifier != "" && !allowQualifier {
		return functionRef{}, invalidParam("Unsupported qualifier in function name: %s", ref)
	}
	return r, nil
}

// resolveQualifier merges the qualifier carried by the function name with the
// Qualifier parameter.
func resolveQualifier(ref functionRef, param *string) (string, error) {
	q := deref(param)
	if ref.Qualifier != "" && q != "" && ref.Qualifier != q {
		return "", invalidParam("The derived qualifier from the function name does not match the specified qualifier.")
	}
	if q == "" {
		q = ref.Qualifier
	}
	return q, nil
}

func (s *Service) functionARN(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.region, s.account, name)
}

func (s *Service) qualifiedARN(name, qualifier string) string {
	if qualifier == "" {
		return s.functionARN(name)
	}
	return s.functionARN(name) + ":" + qualifier
}

func isVersionNumber(q string) bool { return versionRE.MatchString(q) }

func versionKey(name, version string) string {
	n, _ := strconv.Atoi(version)
	return fmt.Sprintf("%s/%010d", name, n)
}

// validAliasName reports whether name fits AWS's alias pattern: letters,
// digits, - and _, not only digits.
func validAliasName(name string) bool {
	return aliasRE.MatchString(name) && !versionRE.MatchString(name)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
