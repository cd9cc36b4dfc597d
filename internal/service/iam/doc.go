// Package iam is Nubo's AWS Identity and Access Management service: roles,
// users, groups, access keys, customer managed policies with versions, inline
// policies, attachments, and a read-only catalogue of AWS managed policies.
//
// Supported operations (query protocol, API version 2010-05-08):
//
//	Roles     CreateRole GetRole DeleteRole ListRoles UpdateRole
//	          UpdateAssumeRolePolicy TagRole UntagRole ListRoleTags
//	Users     CreateUser GetUser DeleteUser ListUsers TagUser UntagUser ListUserTags
//	Keys      CreateAccessKey DeleteAccessKey ListAccessKeys UpdateAccessKey
//	          GetAccessKeyLastUsed
//	Policies  CreatePolicy GetPolicy DeletePolicy ListPolicies CreatePolicyVersion
//	          GetPolicyVersion ListPolicyVersions DeletePolicyVersion
//	          SetDefaultPolicyVersion ListEntitiesForPolicy
//	Attached  AttachRolePolicy DetachRolePolicy ListAttachedRolePolicies
//	          AttachUserPolicy DetachUserPolicy ListAttachedUserPolicies
//	          AttachGroupPolicy DetachGroupPolicy ListAttachedGroupPolicies
//	Inline    PutRolePolicy GetRolePolicy DeleteRolePolicy ListRolePolicies
//	          PutUserPolicy GetUserPolicy DeleteUserPolicy ListUserPolicies
//	          PutGroupPolicy GetGroupPolicy DeleteGroupPolicy ListGroupPolicies
//	Groups    CreateGroup GetGroup DeleteGroup ListGroups AddUserToGroup
//	          RemoveUserFromGroup ListGroupsForUser
//
// Behaviour follows AWS: names are validated against the model's patterns and
// lengths and are unique case-insensitively; paths are /…/; errors carry IAM's
// codes (EntityAlreadyExists 409, NoSuchEntity 404, DeleteConflict 409,
// LimitExceeded 409 for a sixth policy version, a third access key or a 51st
// tag, MalformedPolicyDocument 400 from the policy engine in auth/policy, with
// trust-policy rules for roles and identity-policy rules for managed and inline
// policies); lists page with Marker/MaxItems/IsTruncated (default page 100) and
// filter by PathPrefix; dates are on the Nubo clock, to the second. Policy
// documents in responses (AssumeRolePolicyDocument, Get*Policy, GetPolicyVersion)
// are percent-encoded JSON as AWS returns them; botocore decodes them.
//
// AWS managed policies (AdministratorAccess, ReadOnlyAccess, PowerUserAccess,
// IAMFullAccess, the S3, SQS, SNS, DynamoDB, CloudWatch, Logs, Lambda, API
// Gateway and X-Ray policies Lambda users attach) are an embedded catalogue
// (managed_policies.json: ids, paths, default versions, dates and documents as
// AWS publishes them) listed with Scope=AWS|All and attachable like any policy;
// only their default version is available.
//
// State lives in the store under "iam/" and every write is a durable batch;
// Service has no in-memory state besides the catalogue, so it survives restarts
// and needs no Reset.
//
// Other packages use the Go API: Role and User (by name or ARN),
// LookupAccessKey (IAM users' active keys, for authentication), RecordAccessKeyUse
// and PoliciesFor (a principal's identity policies, for enforcement).
//
// Deviations from AWS:
//   - Access key secrets are stored in clear in the store: Nubo is a
//     development emulator and verifies signatures with them.
//   - One account; ARNs use the aws partition.
//   - Permissions boundaries are recorded and reported but not enforced, and
//     PermissionsBoundaryUsageCount is always 0.
//   - Access keys of the root user are not managed (the root credential is
//     configuration); CreateAccessKey without UserName needs an IAM user caller.
//   - GetUser without UserName for the root caller returns the root identity.
//   - Modifying an AWS managed policy is InvalidInput (AWS answers AccessDenied
//     from its own authorization).
//   - Instance profiles, login profiles, MFA, SAML/OIDC providers, service-linked
//     roles and the other IAM operations are not implemented.
package iam
