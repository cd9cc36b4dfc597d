package lambda

import (
	"context"

	"github.com/nubo/nubo/internal/platform/metrics"
)

const namespace = "AWS/Lambda"

// dimensionSets returns the dimension combinations AWS publishes Lambda
// metrics under: per function, per function and qualifier ("Resource",
// name:qualifier) when invoked with one, and per executed version of an alias.
func dimensionSets(name, qualifier, executed string) [][]metrics.Dimension {
	sets := [][]metrics.Dimension{nil, {{Name: "FunctionName", Value: name}}}
	if qualifier != "" {
		res := []metrics.Dimension{{Name: "FunctionName", Value: name}, {Name: "Resource", Value: name + ":" + qualifier}}
		sets = append(sets, res)
		if executed != "" && !isVersionNumber(qualifier) && qualifier != latest {
			sets = append(sets, append(append([]metrics.Dimension(nil), res...), metrics.Dimension{Name: "ExecutedVersion", Value: executed}))
		}
	}
	return sets
}

func (s *Service) record(name, qualifier, executed, metric, unit string, value float64) {
	now := s.clock.Now()
	var data []metrics.Datum
	for _, dims := range dimensionSets(name, qualifier, executed) {
		data = append(data, metrics.Datum{Namespace: namespace, MetricName: metric, Dimensions: dims,
			Time: now, Value: value, Unit: unit})
	}
	s.metrics.Record(context.Background(), data...)
}

func (s *Service) recordInvocation(name, qualifier string, res *Result) {
	s.record(name, qualifier, res.ExecutedVersion, "Invocations", "Count", 1)
	errs := 0.0
	if res.FunctionError != "" {
		errs = 1
	}
	s.record(name, qualifier, res.ExecutedVersion, "Errors", "Count", errs)
	s.record(name, qualifier, res.ExecutedVersion, "Duration", "Milliseconds", float64(res.Duration.Microseconds())/1000)
	if res.ConcurrentExecutions > 0 {
		s.record(name, qualifier, res.ExecutedVersion, "ConcurrentExecutions", "Count", float64(res.ConcurrentExecutions))
	}
}

func (s *Service) recordThrottle(name, qualifier string) {
	s.record(name, qualifier, "", "Throttles", "Count", 1)
}
