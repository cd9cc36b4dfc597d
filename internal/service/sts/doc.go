// Package sts is Nubo's AWS Security Token Service: caller identity and
// temporary credentials, and the credential store (LookupAccessKey) the edge
// authenticates every request with — the root credential, IAM users' keys
// (delegated to package iam) and the sessions it issued.
//
// Supported operations (query protocol, API version 2011-06-15):
//
//	GetCallerIdentity  Account, Arn and UserId of the signing caller.
//	AssumeRole         temporary credentials of a role whose trust policy allows
//	                   the caller (evaluated with auth/policy: principal = the
//	                   caller's ARN and account, action sts:AssumeRole, resource =
//	                   the role ARN, with aws:PrincipalArn, aws:PrincipalAccount,
//	                   aws:userid, aws:username, sts:RoleSessionName,
//	                   sts:ExternalId and aws:RequestTag/* in the context).
//	                   DurationSeconds defaults to 3600 and must lie in 900..the
//	                   role's MaxSessionDuration; session policies (Policy,
//	                   PolicyArns) are validated, reported as PackedPolicySize and
//	                   stored with the session for enforcement.
//	GetSessionToken    for IAM users (default 43200 s, 900..129600) and root
//	                   (capped at 3600 s as AWS does); refused for session
//	                   credentials.
//	GetAccessKeyInfo   the account of a key Nubo knows.
//
// Temporary credentials (ASIA… key ids) are stored durably under "sts/" and
// expire on the Nubo clock; an expired session is still found by
// LookupAccessKey (with Expires set, so the edge answers ExpiredToken) for a
// day, after which Sweep (run at Start and whenever credentials are issued)
// deletes it.
//
// Go API for other packages: LookupAccessKey (auth.CredentialStore),
// SessionInfo (session policies of a temporary key), IssueRoleCredentials
// (credentials of a function's execution role, no trust check: the service
// itself assumes the role) and TrustsService (whether a role trusts a service
// principal such as lambda.amazonaws.com, as Lambda checks at CreateFunction).
//
// Deviations from AWS:
//   - AssumeRole with the root credential: AWS refuses it outright (AccessDenied
//     "Roles may not be assumed by root accounts."). Nubo allows it when the
//     role's trust policy allows the account (its id, arn:aws:iam::<acct>:root or
//     "*"), so role workflows can be tried with the dev pair test/test; a trust
//     policy naming only services or other principals still denies root.
//   - AssumeRole checks only the trust policy; the caller's identity policies
//     are the edge's authorization step, as for every other action (in AWS a
//     same-account trust policy naming the account also needs an identity
//     policy allowing sts:AssumeRole).
//   - A role that does not exist yields the same AccessDenied as an untrusted one
//     (as AWS does).
//   - GetAccessKeyInfo answers only for keys Nubo issued or knows; AWS decodes
//     any key id.
//   - MFA (SerialNumber, TokenCode), ProvidedContexts, SourceIdentity checks and
//     transitive session tags are accepted but ignored; AssumeRoleWithWebIdentity,
//     AssumeRoleWithSAML, GetFederationToken and DecodeAuthorizationMessage are
//     not implemented.
//   - Session tokens are random strings, not encrypted blobs.
package sts
