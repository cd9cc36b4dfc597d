// Package testapi groups the API fixtures that tools/apigen generates for the codec
// tests in internal/protocol: one subpackage per service (s3test, sqstest, ststest,
// lambdatest, cloudwatchtest, logstest, iamtest, snstest), each implementing the
// operations seen in the client captures under reference/captures. The fixtures
// are imported by codec tests only; services use the packages in internal/awsapi.
//
// The operations are listed in tools/apigen/fixtures.json; regenerate with
// `go run ./tools/apigen` from the repository root.
package testapi
