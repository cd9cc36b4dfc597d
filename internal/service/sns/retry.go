package sns

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// RetryPolicy is an SNS delivery retry policy, with the JSON field names of
// DeliveryPolicy's healthyRetryPolicy. Delays are in seconds. The retries run
// in four phases: NumNoDelayRetries immediately, NumMinDelayRetries
// MinDelayTarget apart, a backoff phase from MinDelayTarget to MaxDelayTarget
// following BackoffFunction, and NumMaxDelayRetries MaxDelayTarget apart; in
// all NumRetries retries after the first attempt.
type RetryPolicy struct {
	MinDelayTarget     int    `json:"minDelayTarget"`
	MaxDelayTarget     int    `json:"maxDelayTarget"`
	NumRetries         int    `json:"numRetries"`
	NumMaxDelayRetries int    `json:"numMaxDelayRetries"`
	NumNoDelayRetries  int    `json:"numNoDelayRetries"`
	NumMinDelayRetries int    `json:"numMinDelayRetries"`
	BackoffFunction    string `json:"backoffFunction"`
}

// defaultHTTPRetry is the default healthy retry policy of HTTP/S
// subscriptions, as EffectiveDeliveryPolicy reports it.
func defaultHTTPRetry() RetryPolicy {
	return RetryPolicy{MinDelayTarget: 20, MaxDelayTarget: 20, NumRetries: 3, BackoffFunction: "linear"}
}

// defaultManagedRetry is AWS's fixed policy for AWS-managed endpoints.
func defaultManagedRetry() RetryPolicy {
	return RetryPolicy{MinDelayTarget: 1, MaxDelayTarget: 20, NumRetries: 100015, NumNoDelayRetries: 3,
		NumMinDelayRetries: 2, NumMaxDelayRetries: 100000, BackoffFunction: "exponential"}
}

// validate checks the policy's limits as SNS documents them.
func (p RetryPolicy) validate() error {
	switch {
	case p.MinDelayTarget < 1 || p.MinDelayTarget > 3600:
		return fmt.Errorf("minDelayTarget must be between 1 and 3600")
	case p.MaxDelayTarget < p.MinDelayTarget || p.MaxDelayTarget > 3600:
		return fmt.Errorf("maxDelayTarget must be between minDelayTarget and 3600")
	case p.NumRetries < 0 || p.NumRetries > 100:
		return fmt.Errorf("numRetries must be between 0 and 100")
	case p.NumNoDelayRetries < 0 || p.NumMinDelayRetries < 0 || p.NumMaxDelayRetries < 0:
		return fmt.Errorf("retry counts must not be negative")
	case p.NumNoDelayRetries+p.NumMinDelayRetries+p.NumMaxDelayRetries > p.NumRetries:
		return fmt.Errorf("numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries")
	}
	switch p.BackoffFunction {
	case "", "linear", "arithmetic", "geometric", "exponential":
		return nil
	}
	return fmt.Errorf("backoffFunction must be one of linear, arithmetic, geometric, exponential")
}

// delay returns the wait before retry n (1-based), and false when the policy
// allows no retry n.
func (p RetryPolicy) delay(n int) (time.Duration, bool) {
	if n < 1 || n > p.NumRetries {
		return 0, false
	}
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	if n <= p.NumNoDelayRetries {
		return 0, true
	}
	n -= p.NumNoDelayRetries
	if n <= p.NumMinDelayRetries {
		return sec(float64(p.MinDelayTarget)), true
	}
	n -= p.NumMinDelayRetries
	backoff := p.NumRetries - p.NumNoDelayRetries - p.NumMinDelayRetries - p.NumMaxDelayRetries
	if n > backoff {
		return sec(float64(p.MaxDelayTarget)), true
	}
	return sec(backoffDelay(p.BackoffFunction, float64(p.MinDelayTarget), float64(p.MaxDelayTarget), n, backoff)), true
}

// backoffDelay is step i of n of the backoff phase from lo to hi seconds.
func backoffDelay(fn string, lo, hi float64, i, n int) float64 {
	if n <= 1 {
		return hi
	}
	x := float64(i-1) / float64(n-1) // 0 … 1
	switch fn {
	case "arithmetic":
		x = x * x
	case "geometric":
		x = math.Sqrt(x)
	case "exponential":
		if lo > 0 {
			return lo * math.Pow(hi/lo, x)
		}
	}
	return lo + (hi-lo)*x
}

// deliveryPolicy is the http part of a topic DeliveryPolicy or a
// subscription's DeliveryPolicy.
type deliveryPolicy struct {
	HealthyRetryPolicy *RetryPolicy `json:"healthyRetryPolicy,omitempty"`
	ThrottlePolicy     *struct {
		MaxReceivesPerSecond int `json:"maxReceivesPerSecond"`
	} `json:"throttlePolicy,omitempty"`
	RequestPolicy *struct {
		HeaderContentType string `json:"headerContentType"`
	} `json:"requestPolicy,omitempty"`
}

// topicDeliveryPolicy is a topic's DeliveryPolicy document.
type topicDeliveryPolicy struct {
	HTTP *struct {
		DefaultHealthyRetryPolicy    *RetryPolicy `json:"defaultHealthyRetryPolicy,omitempty"`
		DisableSubscriptionOverrides bool         `json:"disableSubscriptionOverrides"`
		DefaultThrottlePolicy        *struct {
			MaxReceivesPerSecond int `json:"maxReceivesPerSecond"`
		} `json:"defaultThrottlePolicy,omitempty"`
		DefaultRequestPolicy *struct {
			HeaderContentType string `json:"headerContentType"`
		} `json:"defaultRequestPolicy,omitempty"`
	} `json:"http,omitempty"`
}

// parseTopicDeliveryPolicy validates a topic DeliveryPolicy.
func parseTopicDeliveryPolicy(doc string) (topicDeliveryPolicy, error) {
	var p topicDeliveryPolicy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return p, fmt.Errorf("DeliveryPolicy: failed to parse JSON")
	}
	if p.HTTP != nil && p.HTTP.DefaultHealthyRetryPolicy != nil {
		if err := p.HTTP.DefaultHealthyRetryPolicy.validate(); err != nil {
			return p, fmt.Errorf("DeliveryPolicy: %w", err)
		}
	}
	return p, nil
}

// parseSubDeliveryPolicy validates a subscription DeliveryPolicy.
func parseSubDeliveryPolicy(doc string) (deliveryPolicy, error) {
	var p deliveryPolicy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return p, fmt.Errorf("DeliveryPolicy: failed to parse JSON")
	}
	if p.HealthyRetryPolicy != nil {
		if err := p.HealthyRetryPolicy.validate(); err != nil {
			return p, fmt.Errorf("DeliveryPolicy: %w", err)
		}
	}
	return p, nil
}

// effectiveHTTP returns the HTTP delivery policy in force for a subscription
// with the given DeliveryPolicy attributes of topic and subscription.
func effectiveHTTP(topicDoc, subDoc string) (RetryPolicy, string) {
	retry, ctype := defaultHTTPRetry(), "text/plain; charset=UTF-8"
	override := true
	if topicDoc != "" {
		if tp, err := parseTopicDeliveryPolicy(topicDoc); err == nil && tp.HTTP != nil {
			if tp.HTTP.DefaultHealthyRetryPolicy != nil {
				retry = *tp.HTTP.DefaultHealthyRetryPolicy
			}
			if tp.HTTP.DefaultRequestPolicy != nil && tp.HTTP.DefaultRequestPolicy.HeaderContentType != "" {
				ctype = tp.HTTP.DefaultRequestPolicy.HeaderContentType
			}
			override = !tp.HTTP.DisableSubscriptionOverrides
		}
	}
	if subDoc != "" && override {
		if sp, err := parseSubDeliveryPolicy(subDoc); err == nil {
			if sp.HealthyRetryPolicy != nil {
				retry = *sp.HealthyRetryPolicy
			}
			if sp.RequestPolicy != nil && sp.RequestPolicy.HeaderContentType != "" {
				ctype = sp.RequestPolicy.HeaderContentType
			}
		}
	}
	if retry.BackoffFunction == "" {
		retry.BackoffFunction = "linear"
	}
	return retry, ctype
}

// effectiveTopicDeliveryPolicy renders a topic's EffectiveDeliveryPolicy.
func effectiveTopicDeliveryPolicy(doc string) string {
	retry, ctype := effectiveHTTP(doc, "")
	disable := false
	if doc != "" {
		if tp, err := parseTopicDeliveryPolicy(doc); err == nil && tp.HTTP != nil {
			disable = tp.HTTP.DisableSubscriptionOverrides
		}
	}
	out := map[string]any{"http": map[string]any{
		"defaultHealthyRetryPolicy":    retry,
		"disableSubscriptionOverrides": disable,
		"defaultRequestPolicy":         map[string]string{"headerContentType": ctype},
	}}
	b, _ := json.Marshal(out)
	return string(b)
}

// effectiveSubDeliveryPolicy renders an HTTP subscription's
// EffectiveDeliveryPolicy.
func effectiveSubDeliveryPolicy(topicDoc, subDoc string) string {
	retry, ctype := effectiveHTTP(topicDoc, subDoc)
	out := map[string]any{"healthyRetryPolicy": retry,
		"requestPolicy": map[string]string{"headerContentType": ctype}}
	b, _ := json.Marshal(out)
	return string(b)
}
