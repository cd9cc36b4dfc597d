package policy

// Version2012 is the current policy language version; policy variables only work
// in documents that declare it.
const Version2012 = "2012-10-17"

// Version2008 is the legacy policy language version, also assumed when a document
// has no Version element.
const Version2008 = "2008-10-17"

// Effect is a statement's Effect element.
type Effect string

// The two statement effects.
const (
	EffectAllow Effect = "Allow"
	EffectDeny  Effect = "Deny"
)

// Decision is the outcome of evaluating policies against a request.
type Decision int

// The three possible decisions, in increasing precedence when combined.
const (
	// NotApplicable means no statement matched: an implicit deny.
	NotApplicable Decision = iota
	// Allow means at least one Allow statement matched and no Deny statement did.
	Allow
	// Deny means an explicit Deny statement matched.
	Deny
)

// String returns the decision's name.
func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	default:
		return "NotApplicable"
	}
}

// Principal identifies the caller of a request.
type Principal struct {
	// Type is "AWS", "Service", "Federated", "CanonicalUser", or "*" (or "")
	// for an anonymous caller.
	Type string
	// ID is an ARN or 12-digit account id for "AWS", a service name such as
	// "lambda.amazonaws.com" for "Service", an identity provider for
	// "Federated", or a canonical user id.
	ID string
}

// Anonymous reports whether p is the anonymous (unauthenticated) caller.
func (p Principal) Anonymous() bool {
	return p.Type == "*" || (p.Type == "" && p.ID == "")
}

// Request is the authorization context a policy is evaluated against.
type Request struct {
	// Principal is the caller; only resource-based and trust policies look at it.
	Principal Principal
	// PrincipalAccount is the caller's account id; when empty it is taken from
	// the principal's ARN.
	PrincipalAccount string
	// Action is "service:Action", e.g. "s3:GetObject" or "sts:AssumeRole".
	Action string
	// Resource is the ARN acted upon; "" for actions without a resource, which
	// only a "*" resource pattern matches.
	Resource string
	// Context holds the condition keys ("aws:SourceIp", "aws:username",
	// "s3:prefix", ...). Key names are matched case-insensitively.
	Context map[string][]string
}

// Policy is a parsed and validated policy document. It is immutable and safe
// for concurrent use by multiple goroutines.
type Policy struct {
	// Version is the document's Version element ("" when absent).
	Version string
	// ID is the document's optional Id element.
	ID string
	// Statements are the document's statements in order.
	Statements []*Statement

	doc []byte
}

// Document returns the policy text exactly as it was parsed.
func (p *Policy) Document() []byte { return p.doc }

// Statement is one compiled statement of a policy.
type Statement struct {
	// Sid is the optional statement id.
	Sid string
	// Effect is Allow or Deny.
	Effect Effect

	principals   *principalSet // nil: no Principal/NotPrincipal element
	notPrincipal bool

	actions   []glob // case-insensitive patterns
	notAction bool

	resources   []template // nil with hasResource false: no Resource element
	hasResource bool
	notResource bool

	conditions []*condition
}

// Evaluate evaluates p alone against r: Deny if any matching statement denies,
// Allow if one allows, NotApplicable otherwise.
func (p *Policy) Evaluate(r *Request) Decision {
	if p == nil || r == nil {
		return NotApplicable
	}
	ev := newEvalState(r)
	return p.evaluate(ev)
}

// Evaluate combines several policies the way AWS does for one request: an
// explicit deny in any policy wins, then an allow in any policy, and otherwise
// the request is implicitly denied (NotApplicable). Nil policies are skipped.
func Evaluate(r *Request, policies ...*Policy) Decision {
	if r == nil {
		return NotApplicable
	}
	ev := newEvalState(r)
	result := NotApplicable
	for _, p := range policies {
		if p == nil {
			continue
		}
		switch p.evaluate(ev) {
		case Deny:
			return Deny
		case Allow:
			result = Allow
		}
	}
	return result
}

func (p *Policy) evaluate(ev *evalState) Decision {
	result := NotApplicable
	for _, s := range p.Statements {
		if !s.matches(ev) {
			continue
		}
		if s.Effect == EffectDeny {
			return Deny
		}
		result = Allow
	}
	return result
}

// evalState caches per-request derived values shared by every statement.
type evalState struct {
	r          *Request
	identities []identity
	idType     string
	idsDone    bool
	idsBuf     [3]identity
	scratch    []token // reused for resource patterns with variables
}

func newEvalState(r *Request) *evalState {
	return &evalState{r: r}
}

func (ev *evalState) callerIdentities() ([]identity, string) {
	if !ev.idsDone {
		ev.identities, ev.idType = callerIdentities(ev.r, ev.idsBuf[:0])
		ev.idsDone = true
	}
	return ev.identities, ev.idType
}

// matches reports whether the statement applies to the request. The cheap,
// selective action check runs first; the principal identities are derived
// only when a statement needs them.
func (s *Statement) matches(ev *evalState) bool {
	if !s.matchAction(ev.r.Action) {
		return false
	}
	if s.hasResource && !s.matchResource(ev) {
		return false
	}
	if s.principals != nil {
		ids, typ := ev.callerIdentities()
		if !s.principals.applies(ids, typ, s.notPrincipal) {
			return false
		}
	}
	for _, c := range s.conditions {
		if !c.eval(ev.r.Context) {
			return false
		}
	}
	return true
}

func (s *Statement) matchAction(action string) bool {
	found := false
	for i := range s.actions {
		if s.actions[i].match(action) {
			found = true
			break
		}
	}
	return found != s.notAction
}

func (s *Statement) matchResource(ev *evalState) bool {
	r := ev.r
	for i := range s.resources {
		var ok bool
		var toks []token
		toks, ok, ev.scratch = s.resources[i].tokensBuf(r.Context, ev.scratch)
		if !ok {
			if s.notResource {
				// An unresolvable variable invalidates the statement.
				return false
			}
			continue
		}
		if globMatch(toks, r.Resource) {
			return !s.notResource
		}
	}
	return s.notResource
}
