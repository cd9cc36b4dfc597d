package server

import (
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/apigatewayapi"
	"github.com/nubo/nubo/internal/awsapi/cloudformationapi"
	"github.com/nubo/nubo/internal/awsapi/cloudtrailapi"
	"github.com/nubo/nubo/internal/awsapi/cloudwatchapi"
	"github.com/nubo/nubo/internal/awsapi/dynamodbapi"
	"github.com/nubo/nubo/internal/awsapi/ec2api"
	"github.com/nubo/nubo/internal/awsapi/eventsapi"
	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/awsapi/kmsapi"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/awsapi/logsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/awsapi/snsapi"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/awsapi/stsapi"
)

// knownAPIs returns the model of every service Nubo recognises, implemented or
// not, so that any request for them is answered in the right protocol.
func knownAPIs() []*awsapi.Service {
	return []*awsapi.Service{
		apigatewayapi.API(), cloudformationapi.API(), cloudtrailapi.API(), cloudwatchapi.API(),
		dynamodbapi.API(), ec2api.API(), eventsapi.API(), iamapi.API(), kmsapi.API(),
		lambdaapi.API(), logsapi.API(), s3api.API(), snsapi.API(), sqsapi.API(), stsapi.API(),
	}
}
