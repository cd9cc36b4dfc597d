// Package policy parses and evaluates AWS IAM policy documents: identity-based
// policies, resource-based policies (S3 bucket policies, queue and topic
// policies) and role trust policies.
//
// The evaluation follows AWS's documented policy evaluation logic: a request is
// explicitly denied when any matching statement of any policy has Effect Deny,
// allowed when no statement denies and at least one allows, and implicitly denied
// (NotApplicable) otherwise. A statement matches a request when its principal,
// action, resource and condition blocks all match.
//
// Choices where the AWS documentation leaves room:
//
//   - Resource and NotResource entries are matched against the whole request ARN
//     as a glob: '*' matches any run of characters (including ':' and '/') and
//     '?' matches exactly one character. Matching is case-sensitive. The ARN
//     condition operators (ArnLike, ArnEquals and their negations) instead match
//     each of the six colon-delimited ARN components separately, as the condition
//     operator reference documents; a pattern with fewer than six components falls
//     back to a whole-string glob.
//   - Action matching is case-insensitive for both the service prefix and the
//     action name; wildcards work as for resources.
//   - Values substituted for policy variables are literal text: a '*' inside a
//     user name does not become a wildcard.
//   - A policy variable whose key is absent from the request context (or has more
//     than one value) and has no default is unresolvable. The IAM guide says such
//     a match "fails and causes the statement to be invalid": a Resource entry or
//     positive condition value containing it matches nothing, and a NotResource
//     element or negated condition operator containing it makes the statement not
//     apply.
//   - Context keys are case-insensitive; a key with an empty value slice counts
//     as absent.
//   - Principal entries are exact (AWS does not allow partial wildcards there). A
//     caller is described by all the identities AWS checks: an assumed-role
//     session is its account, its role and the session itself; an IAM user is
//     its account and the user ARN. A role ARN (with or without a path) also
//     covers that role's sessions. Principal matches when any identity is
//     listed; NotPrincipal applies unless all of them are listed, which is why
//     the IAM guide says NotPrincipal must name the account as well as the user
//     or role.
package policy
