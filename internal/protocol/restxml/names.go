package restxml

import "github.com/nubo/nubo/internal/awsapi"

// rootName returns the root element of an S3 response document made of the
// output's body members. The models leave it out (clients ignore it), so the
// names S3 sends are listed here; other operations use the output shape's
// locationName, else "<Op>Result".
func rootName(op *awsapi.Operation) string {
	if op.Output != nil && op.Output.LocationName != "" {
		return op.Output.LocationName
	}
	switch op.Name {
	case "ListBuckets", "ListDirectoryBuckets":
		return "ListAllMyBucketsResult"
	case "ListObjects", "ListObjectsV2":
		return "ListBucketResult"
	case "ListObjectVersions":
		return "ListVersionsResult"
	case "CreateMultipartUpload":
		return "InitiateMultipartUploadResult"
	case "DeleteObjects":
		return "DeleteResult"
	case "GetBucketLocation":
		return "LocationConstraint"
	case "GetBucketTagging", "GetObjectTagging":
		return "Tagging"
	case "GetBucketAcl", "GetObjectAcl":
		return "AccessControlPolicy"
	case "GetBucketVersioning":
		return "VersioningConfiguration"
	case "GetBucketNotificationConfiguration", "GetBucketNotification":
		return "NotificationConfiguration"
	case "GetBucketCors":
		return "CORSConfiguration"
	case "GetBucketLifecycleConfiguration", "GetBucketLifecycle":
		return "LifecycleConfiguration"
	case "GetBucketWebsite":
		return "WebsiteConfiguration"
	case "GetBucketLogging":
		return "BucketLoggingStatus"
	case "GetBucketAccelerateConfiguration":
		return "AccelerateConfiguration"
	case "GetBucketRequestPayment":
		return "RequestPaymentConfiguration"
	case "GetObjectAttributes":
		return "GetObjectAttributesResponse"
	case "ListBucketAnalyticsConfigurations":
		return "ListBucketAnalyticsConfigurationResult"
	case "ListBucketMetricsConfigurations":
		return "ListMetricsConfigurationsResult"
	case "ListBucketInventoryConfigurations":
		return "ListInventoryConfigurationsResult"
	}
	return op.Name + "Result"
}
