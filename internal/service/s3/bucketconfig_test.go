package s3

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestSDKBucketConfiguration(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "conf")
	b := aws.String("conf")
	steps := []struct {
		name string
		run  func() error
		want string
	}{
		{"no tags yet", func() error { _, err := c.GetBucketTagging(ctx, &sdks3.GetBucketTaggingInput{Bucket: b}); return err }, "NoSuchTagSet"},
		{"put tags", func() error {
			_, err := c.PutBucketTagging(ctx, &sdks3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: []types.Tag{
				{Key: aws.String("env"), Value: aws.String("dev")}}}})
			return err
		}, ""},
		{"duplicate tag keys", func() error {
			_, err := c.PutBucketTagging(ctx, &sdks3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: []types.Tag{
				{Key: aws.String("k"), Value: aws.String("1")}, {Key: aws.String("k"), Value: aws.String("2")}}}})
			return err
		}, "InvalidTag"},
		{"get tags", func() error {
			out, err := c.GetBucketTagging(ctx, &sdks3.GetBucketTaggingInput{Bucket: b})
			if err == nil && (len(out.TagSet) != 1 || aws.ToString(out.TagSet[0].Value) != "dev") {
				t.Errorf("tags %+v", out.TagSet)
			}
			return err
		}, ""},
		{"delete tags", func() error {
			_, err := c.DeleteBucketTagging(ctx, &sdks3.DeleteBucketTaggingInput{Bucket: b})
			return err
		}, ""},
		{"default encryption", func() error {
			out, err := c.GetBucketEncryption(ctx, &sdks3.GetBucketEncryptionInput{Bucket: b})
			if err == nil && out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
				t.Errorf("default encryption %+v", out.ServerSideEncryptionConfiguration)
			}
			return err
		}, ""},
		{"kms encryption", func() error {
			_, err := c.PutBucketEncryption(ctx, &sdks3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
				Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{
					SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/mine")}}}}})
			return err
		}, ""},
		{"objects echo kms", func() error {
			put := f.put(t, "conf", "enc", "x")
			if put.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != "alias/mine" {
				t.Errorf("put sse %q %q", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId))
			}
			return nil
		}, ""},
		{"ownership default", func() error {
			out, err := c.GetBucketOwnershipControls(ctx, &sdks3.GetBucketOwnershipControlsInput{Bucket: b})
			if err == nil && out.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
				t.Errorf("ownership %+v", out.OwnershipControls.Rules)
			}
			return err
		}, ""},
		{"public acl refused when enforced", func() error {
			_, err := c.PutBucketAcl(ctx, &sdks3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead})
			return err
		}, "AccessControlListNotSupported"},
		{"private acl accepted", func() error {
			_, err := c.PutBucketAcl(ctx, &sdks3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPrivate})
			return err
		}, ""},
		{"public object acl refused when enforced", func() error {
			_, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: b, Key: aws.String("pub"), ACL: types.ObjectCannedACLPublicRead})
			return err
		}, "AccessControlListNotSupported"},
		{"object grant refused when enforced", func() error {
			_, err := c.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("pub"),
				GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)})
			return err
		}, "AccessControlListNotSupported"},
		{"private object acl accepted", func() error {
			_, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: b, Key: aws.String("priv"), ACL: types.ObjectCannedACLBucketOwnerFullControl})
			return err
		}, ""},
		{"preferred ownership", func() error {
			_, err := c.PutBucketOwnershipControls(ctx, &sdks3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &types.OwnershipControls{
				Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerPreferred}}}})
			return err
		}, ""},
		{"public acl now recorded", func() error {
			if _, err := c.PutBucketAcl(ctx, &sdks3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead}); err != nil {
				return err
			}
			out, err := c.GetBucketAcl(ctx, &sdks3.GetBucketAclInput{Bucket: b})
			if err == nil && len(out.Grants) != 2 {
				t.Errorf("grants %+v", out.Grants)
			}
			return err
		}, ""},
		{"public object acl not recorded", func() error {
			_, err := c.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: b, Key: aws.String("pub"), CopySource: aws.String("conf/priv"),
				ACL: types.ObjectCannedACLPublicRead})
			return err
		}, "NotImplemented"},
		{"bad versioning status", func() error {
			_, err := c.PutBucketVersioning(ctx, &sdks3.PutBucketVersioningInput{Bucket: b,
				VersioningConfiguration: &types.VersioningConfiguration{Status: "Sometimes"}})
			return err
		}, "MalformedXML"},
		{"object tagging", func() error {
			if _, err := c.PutObjectTagging(ctx, &sdks3.PutObjectTaggingInput{Bucket: b, Key: aws.String("enc"),
				Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}}); err != nil {
				return err
			}
			out, err := c.GetObjectTagging(ctx, &sdks3.GetObjectTaggingInput{Bucket: b, Key: aws.String("enc")})
			if err == nil && len(out.TagSet) != 1 {
				t.Errorf("object tags %+v", out.TagSet)
			}
			return err
		}, ""},
		{"object acl", func() error {
			out, err := c.GetObjectAcl(ctx, &sdks3.GetObjectAclInput{Bucket: b, Key: aws.String("enc")})
			if err == nil && len(out.Grants) != 1 {
				t.Errorf("object grants %+v", out.Grants)
			}
			return err
		}, ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.run(); errCode(err) != st.want {
				t.Fatalf("got %v, want %q", err, st.want)
			}
		})
	}
}

func TestTagsSortedByKey(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "tags")
	if _, err := f.client.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("k"),
		Body: strings.NewReader("x"), Tagging: aws.String("foo=bar&bar&Zed=1")}); err != nil {
		t.Fatal(err)
	}
	out, err := f.client.GetObjectTagging(ctx, &sdks3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tag := range out.TagSet {
		got = append(got, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
	}
	if want := []string{"Zed=1", "bar=", "foo=bar"}; !slices.Equal(got, want) {
		t.Errorf("TagSet = %v, want %v", got, want)
	}
}

func TestSDKPutObjectAcl(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "oacl")
	f.put(t, "oacl", "k", "v")
	b := aws.String("oacl")
	owner := &types.Owner{ID: aws.String(f.svc.ownerID)}
	ownerGrant := types.Grant{Grantee: &types.Grantee{ID: owner.ID, Type: types.TypeCanonicalUser}, Permission: types.PermissionFullControl}
	publicGrant := types.Grant{Grantee: &types.Grantee{URI: aws.String("http://acs.amazonaws.com/groups/global/AllUsers"), Type: types.TypeGroup},
		Permission: types.PermissionRead}
	put := func(key string, in *sdks3.PutObjectAclInput) error {
		in.Bucket, in.Key = b, aws.String(key)
		_, err := c.PutObjectAcl(ctx, in)
		return err
	}
	for _, tc := range []struct {
		name string
		key  string
		in   *sdks3.PutObjectAclInput
		want string
	}{
		{"private", "k", &sdks3.PutObjectAclInput{ACL: types.ObjectCannedACLPrivate}, ""},
		{"bucket owner full control", "k", &sdks3.PutObjectAclInput{ACL: types.ObjectCannedACLBucketOwnerFullControl}, ""},
		{"owner-only document", "k", &sdks3.PutObjectAclInput{AccessControlPolicy: &types.AccessControlPolicy{Owner: owner,
			Grants: []types.Grant{ownerGrant}}}, ""},
		{"public canned acl", "k", &sdks3.PutObjectAclInput{ACL: types.ObjectCannedACLPublicRead}, "AccessControlListNotSupported"},
		{"public grant header", "k", &sdks3.PutObjectAclInput{GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)},
			"AccessControlListNotSupported"},
		{"public document", "k", &sdks3.PutObjectAclInput{AccessControlPolicy: &types.AccessControlPolicy{Owner: owner,
			Grants: []types.Grant{ownerGrant, publicGrant}}}, "AccessControlListNotSupported"},
		{"unknown canned acl", "k", &sdks3.PutObjectAclInput{ACL: "world-writable"}, "InvalidArgument"},
		{"missing object", "nope", &sdks3.PutObjectAclInput{ACL: types.ObjectCannedACLPrivate}, "NoSuchKey"},
	} {
		if err := put(tc.key, tc.in); errCode(err) != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	got, err := c.GetObjectAcl(ctx, &sdks3.GetObjectAclInput{Bucket: b, Key: aws.String("k")})
	if err != nil || len(got.Grants) != 1 || got.Grants[0].Permission != types.PermissionFullControl {
		t.Fatalf("object ACL after the calls: %v %+v", err, got)
	}
}
