package lambda

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
)

func notFound(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceNotFoundException", http.StatusNotFound, format, args...)
}

func conflict(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceConflictException", http.StatusConflict, format, args...)
}

func invalidParam(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidParameterValueException", http.StatusBadRequest, format, args...)
}

func preconditionFailed() *awsapi.Error {
	return awsapi.Errorf("PreconditionFailedException", http.StatusPreconditionFailed,
		"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
}

func serviceError(format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Code: "ServiceException", Status: http.StatusInternalServerError, Receiver: true,
		Message: fmt.Sprintf(format, args...)}
}

// validation collects constraint violations into AWS's ValidationException
// ("1 validation error detected: Value '…' at '…' failed to satisfy constraint: …").
type validation struct {
	msgs []string
}

// add records that value at member violates constraint; a nil value prints as null.
func (v *validation) add(member string, value any, constraint string) {
	shown := "null"
	switch x := value.(type) {
	case nil:
	case *string:
		if x != nil {
			shown = "'" + *x + "'"
		}
	case *int32:
		if x != nil {
			shown = fmt.Sprintf("'%d'", *x)
		}
	default:
		shown = fmt.Sprintf("'%v'", x)
	}
	v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, member, constraint))
}

func (v *validation) rangeInt(member string, p *int32, lo, hi int32) {
	if p == nil {
		return
	}
	if *p < lo {
		v.add(member, p, fmt.Sprintf("Member must have value greater than or equal to %d", lo))
	} else if *p > hi {
		v.add(member, p, fmt.Sprintf("Member must have value less than or equal to %d", hi))
	}
}

func (v *validation) maxLen(member string, p *string, n int) {
	if p != nil && len(*p) > n {
		v.add(member, p, fmt.Sprintf("Member must have length less than or equal to %d", n))
	}
}

func (v *validation) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return awsapi.Errorf("ValidationException", http.StatusBadRequest, "1 validation error detected: %s", v.msgs[0])
	}
	return awsapi.Errorf("ValidationException", http.StatusBadRequest, "%d validation errors detected: %s",
		len(v.msgs), strings.Join(v.msgs, "; "))
}
