package s3

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestPublicAccessBlock(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "pab")
	f.put(t, "pab", "doc", "hello")
	b := aws.String("pab")
	const publicRead = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pab/*"}]}`
	const accountOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::pab/*"}]}`
	anonGet := func() int {
		resp, err := http.Get(f.srv.URL + "/pab/doc")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	putBlock := func(blockAcls, ignoreAcls, blockPolicy, restrict bool) error {
		_, err := c.PutPublicAccessBlock(ctx, &sdks3.PutPublicAccessBlockInput{Bucket: b,
			PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(blockAcls),
				IgnorePublicAcls: aws.Bool(ignoreAcls), BlockPublicPolicy: aws.Bool(blockPolicy), RestrictPublicBuckets: aws.Bool(restrict)}})
		return err
	}
	putPolicy := func(doc string) error {
		_, err := c.PutBucketPolicy(ctx, &sdks3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(doc)})
		return err
	}
	policyPublic := func() (bool, error) {
		out, err := c.GetBucketPolicyStatus(ctx, &sdks3.GetBucketPolicyStatusInput{Bucket: b})
		if err != nil {
			return false, err
		}
		return aws.ToBool(out.PolicyStatus.IsPublic), nil
	}
	steps := []struct {
		name string
		run  func() error
		want string
	}{
		{"none at first", func() error {
			_, err := c.GetPublicAccessBlock(ctx, &sdks3.GetPublicAccessBlockInput{Bucket: b})
			return err
		},
			"NoSuchPublicAccessBlockConfiguration"},
		{"no policy status without a policy", func() error { _, err := policyPublic(); return err }, "NoSuchBucketPolicy"},
		{"block public policies", func() error { return putBlock(false, true, true, false) }, ""},
		{"settings read back", func() error {
			out, err := c.GetPublicAccessBlock(ctx, &sdks3.GetPublicAccessBlockInput{Bucket: b})
			if err == nil {
				got := out.PublicAccessBlockConfiguration
				if aws.ToBool(got.BlockPublicAcls) || !aws.ToBool(got.IgnorePublicAcls) || !aws.ToBool(got.BlockPublicPolicy) || aws.ToBool(got.RestrictPublicBuckets) {
					t.Errorf("settings %+v", got)
				}
			}
			return err
		}, ""},
		{"public policy refused", func() error { return putPolicy(publicRead) }, "AccessDenied"},
		{"account policy accepted", func() error { return putPolicy(accountOnly) }, ""},
		{"account policy is not public", func() error {
			if public, err := policyPublic(); err != nil || public {
				t.Errorf("IsPublic = %v, %v", public, err)
			}
			return nil
		}, ""},
		{"unblock policies", func() error {
			_, err := c.DeletePublicAccessBlock(ctx, &sdks3.DeletePublicAccessBlockInput{Bucket: b})
			return err
		}, ""},
		{"gone after delete", func() error {
			_, err := c.GetPublicAccessBlock(ctx, &sdks3.GetPublicAccessBlockInput{Bucket: b})
			return err
		},
			"NoSuchPublicAccessBlockConfiguration"},
		{"public policy accepted", func() error { return putPolicy(publicRead) }, ""},
		{"public policy status", func() error {
			if public, err := policyPublic(); err != nil || !public {
				t.Errorf("IsPublic = %v, %v", public, err)
			}
			return nil
		}, ""},
		{"anonymous read allowed", func() error {
			if code := anonGet(); code != http.StatusOK {
				t.Errorf("anonymous GET %d, want 200", code)
			}
			return nil
		}, ""},
		{"restrict public buckets", func() error { return putBlock(false, false, false, true) }, ""},
		{"anonymous read restricted", func() error {
			if code := anonGet(); code != http.StatusForbidden {
				t.Errorf("anonymous GET %d, want 403", code)
			}
			return nil
		}, ""},
		{"owner still reads", func() error {
			out, err := c.GetObject(ctx, &sdks3.GetObjectInput{Bucket: b, Key: aws.String("doc")})
			if err == nil {
				out.Body.Close()
			}
			return err
		}, ""},
		{"allow object writer acls", func() error {
			_, err := c.PutBucketOwnershipControls(ctx, &sdks3.PutBucketOwnershipControlsInput{Bucket: b,
				OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipObjectWriter}}}})
			return err
		}, ""},
		{"public bucket acl before blocking", func() error {
			_, err := c.PutBucketAcl(ctx, &sdks3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead})
			return err
		}, ""},
		{"block public acls", func() error { return putBlock(true, false, false, false) }, ""},
		{"public bucket acl refused", func() error {
			_, err := c.PutBucketAcl(ctx, &sdks3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicReadWrite})
			return err
		}, "AccessDenied"},
		{"private bucket acl accepted", func() error {
			_, err := c.PutBucketAcl(ctx, &sdks3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPrivate})
			return err
		}, ""},
		{"public object acl refused", func() error {
			_, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: b, Key: aws.String("pub"), ACL: types.ObjectCannedACLPublicRead})
			return err
		}, "AccessDenied"},
		{"public grant refused", func() error {
			_, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: b, Key: aws.String("pub"),
				GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)})
			return err
		}, "AccessDenied"},
		{"private object acl accepted", func() error {
			_, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: b, Key: aws.String("priv"), ACL: types.ObjectCannedACLPrivate})
			return err
		}, ""},
		{"missing bucket", func() error {
			_, err := c.GetPublicAccessBlock(ctx, &sdks3.GetPublicAccessBlockInput{Bucket: aws.String("no-such-bucket")})
			return err
		}, "NoSuchBucket"},
	}
	for _, st := range steps {
		if err := st.run(); errCode(err) != st.want {
			t.Fatalf("%s: got %v, want %q", st.name, err, st.want)
		}
	}
}
