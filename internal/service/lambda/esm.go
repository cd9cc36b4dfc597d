package lambda

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/arn"
	"github.com/nubo/nubo/internal/platform/store"
)

// Event source mapping limits and defaults (SQS).
const (
	esmDefaultBatchSize   = 10
	esmMaxBatchSize       = 10000
	esmMaxFIFOBatchSize   = 10
	esmMaxWindow          = 300
	esmDefaultConcurrency = 1000
	esmMaxFilters         = 5
)

// ESM states as AWS reports them.
const (
	esmCreating  = "Creating"
	esmEnabling  = "Enabling"
	esmEnabled   = "Enabled"
	esmDisabling = "Disabling"
	esmDisabled  = "Disabled"
	esmUpdating  = "Updating"
	esmDeleting  = "Deleting"
)

// esmRecord is a stored event source mapping (lambda/esm/<uuid>).
type esmRecord struct {
	UUID      string `json:"uuid"`
	SourceARN string `json:"source"`
	Function  string `json:"function"`
	Qualifier string `json:"qualifier,omitempty"`
	FIFO      bool   `json:"fifo,omitempty"`
	Enabled   bool   `json:"enabled"`
	BatchSize int32  `json:"batchSize"`
	Window    int32  `json:"window"`
	// Filters are the FilterCriteria patterns as given.
	Filters       []string `json:"filters,omitempty"`
	ReportFailure bool     `json:"reportFailures,omitempty"`
	// MaxConcurrency is ScalingConfig.MaximumConcurrency (0: not set).
	MaxConcurrency int32     `json:"maxConcurrency,omitempty"`
	LastModified   time.Time `json:"lastModified"`
	LastResult     string    `json:"lastResult,omitempty"`
}

// esmSettings are the settable fields, merged from a request over a record.
type esmSettings struct {
	enabled        bool
	batchSize      int32
	window         int32
	filters        []string
	reportFailure  bool
	maxConcurrency int32
}

func (s *Service) esmARN(id string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:event-source-mapping:%s", s.region, s.account, id)
}

// esmView renders a mapping; state overrides the stored state (transitions).
func (s *Service) esmView(r esmRecord, state string) lambdaapi.EventSourceMappingConfiguration {
	if state == "" {
		state = esmDisabled
		if r.Enabled {
			state = esmEnabled
		}
	}
	last := r.LastResult
	if l := s.esm.lastResult(r.UUID); l != "" {
		last = l
	}
	if last == "" {
		last = "No records processed"
	}
	out := lambdaapi.EventSourceMappingConfiguration{
		UUID: ptr(r.UUID), BatchSize: ptr(r.BatchSize), MaximumBatchingWindowInSeconds: ptr(r.Window),
		EventSourceArn: ptr(r.SourceARN), FunctionArn: ptr(s.qualifiedARN(r.Function, r.Qualifier)),
		LastModified: ptr(r.LastModified), LastProcessingResult: ptr(last), State: ptr(state),
		StateTransitionReason: ptr("USER_INITIATED"), FunctionResponseTypes: []string{},
		EventSourceMappingArn: ptr(s.esmARN(r.UUID)),
	}
	if len(r.Filters) > 0 {
		fc := &lambdaapi.FilterCriteria{}
		for _, f := range r.Filters {
			fc.Filters = append(fc.Filters, lambdaapi.Filter{Pattern: ptr(f)})
		}
		out.FilterCriteria = fc
	}
	if r.ReportFailure {
		out.FunctionResponseTypes = []string{"ReportBatchItemFailures"}
	}
	if r.MaxConcurrency > 0 {
		out.ScalingConfig = &lambdaapi.ScalingConfig{MaximumConcurrency: ptr(r.MaxConcurrency)}
	}
	return out
}

// esmUnsupported lists the request members that do not apply to SQS.
func esmUnsupported(in *lambdaapi.CreateEventSourceMappingInput) []string {
	var names []string
	add := func(set bool, name string) {
		if set {
			names = append(names, name)
		}
	}
	add(in.ParallelizationFactor != nil, "ParallelizationFactor")
	add(in.StartingPosition != nil, "StartingPosition")
	add(in.StartingPositionTimestamp != nil, "StartingPositionTimestamp")
	add(in.DestinationConfig != nil, "DestinationConfig")
	add(in.MaximumRecordAgeInSeconds != nil, "MaximumRecordAgeInSeconds")
	add(in.BisectBatchOnFunctionError != nil, "BisectBatchOnFunctionError")
	add(in.MaximumRetryAttempts != nil, "MaximumRetryAttempts")
	add(in.TumblingWindowInSeconds != nil, "TumblingWindowInSeconds")
	add(len(in.Topics) > 0, "Topics")
	add(len(in.Queues) > 0, "Queues")
	add(len(in.SourceAccessConfigurations) > 0, "SourceAccessConfigurations")
	add(in.SelfManagedEventSource != nil, "SelfManagedEventSource")
	add(in.AmazonManagedKafkaEventSourceConfig != nil, "AmazonManagedKafkaEventSourceConfig")
	add(in.SelfManagedKafkaEventSourceConfig != nil, "SelfManagedKafkaEventSourceConfig")
	add(in.DocumentDBEventSourceConfig != nil, "DocumentDBEventSourceConfig")
	return names
}

// esmNotOffered lists members Nubo does not implement for SQS mappings.
func esmNotOffered(kms *string, metrics, logging, provisioned bool, tags map[string]string) error {
	var names []string
	if kms != nil {
		names = append(names, "KMSKeyArn")
	}
	if metrics {
		names = append(names, "MetricsConfig")
	}
	if logging {
		names = append(names, "LoggingConfig")
	}
	if provisioned {
		names = append(names, "ProvisionedPollerConfig")
	}
	if len(tags) > 0 {
		names = append(names, "Tags")
	}
	if len(names) > 0 {
		return invalidParam("Nubo does not support %s on event source mappings.", strings.Join(names, ", "))
	}
	return nil
}

// validateSettings checks the constraints of the settable members and the
// SQS rules that depend on the queue type.
func validateSettings(v *validation, st esmSettings, fifo bool) error {
	if err := v.err(); err != nil {
		return err
	}
	if st.batchSize > 10 && st.window == 0 {
		return invalidParam("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
	}
	if fifo && st.window > 0 {
		return invalidParam("Batching window is not supported for FIFO queues")
	}
	if fifo && st.batchSize > esmMaxFIFOBatchSize {
		return invalidParam("Batch size must not exceed %d for FIFO queues", esmMaxFIFOBatchSize)
	}
	if len(st.filters) > esmMaxFilters {
		return invalidParam("The number of filters in FilterCriteria exceeds the limit of %d.", esmMaxFilters)
	}
	for _, f := range st.filters {
		if _, err := parseFilterPattern(f); err != nil {
			return invalidParam("Invalid filter pattern definition.")
		}
	}
	return nil
}

// applyRequest merges the members of a Create or Update request over st and
// records constraint violations in v.
func applyRequest(v *validation, st *esmSettings, enabled *bool, batch, window *int32, fc *lambdaapi.FilterCriteria,
	types []string, sc *lambdaapi.ScalingConfig) {
	v.rangeInt("batchSize", batch, 1, esmMaxBatchSize)
	v.rangeInt("maximumBatchingWindowInSeconds", window, 0, esmMaxWindow)
	if enabled != nil {
		st.enabled = *enabled
	}
	if batch != nil {
		st.batchSize = *batch
	}
	if window != nil {
		st.window = *window
	}
	if fc != nil {
		st.filters = nil
		for i, f := range fc.Filters {
			p := deref(f.Pattern)
			if len(p) > 4096 {
				v.add(fmt.Sprintf("filterCriteria.filters.%d.member.pattern", i+1), f.Pattern,
					"Member must have length less than or equal to 4096")
			}
			st.filters = append(st.filters, p)
		}
	}
	if types != nil {
		if len(types) > 1 {
			v.add("functionResponseTypes", fmt.Sprintf("[%s]", strings.Join(types, ", ")), "Member must have length less than or equal to 1")
		}
		st.reportFailure = false
		for _, t := range types {
			if t != "ReportBatchItemFailures" {
				v.add("functionResponseTypes", fmt.Sprintf("[%s]", strings.Join(types, ", ")),
					"Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]")
				break
			}
			st.reportFailure = true
		}
	}
	if sc != nil {
		v.rangeInt("scalingConfig.maximumConcurrency", sc.MaximumConcurrency, 2, esmDefaultConcurrency)
		st.maxConcurrency = deref(sc.MaximumConcurrency)
	}
}

// resolveESMSource checks that arn names an existing SQS queue.
func (s *Service) resolveESMSource(src string) (fifo bool, err error) {
	if src == "" {
		return false, invalidParam("Unrecognized event source, must be kinesis, dynamodb stream, sqs, msk, mq or documentdb")
	}
	a, perr := arn.Parse(src)
	if perr != nil || a.Service != "sqs" {
		return false, invalidParam("Nubo supports event source mappings for Amazon SQS queues only; %s is not an SQS queue ARN.", src)
	}
	qs := s.queueSource()
	if qs == nil {
		return false, serviceError("Event source mappings are not available: no SQS service is installed in this server.")
	}
	fifo, _, ok := qs.QueueInfo(src)
	if !ok {
		return false, invalidParam("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist for this wsdl version.")
	}
	return fifo, nil
}

// esmFunction resolves a FunctionName member to a function name and qualifier.
func (s *Service) esmFunction(name *string) (string, string, error) {
	r, q, err := s.lookup(name, nil)
	if err != nil {
		return "", "", err
	}
	return r.cfg.Name, q, nil
}

// CreateEventSourceMapping creates an SQS event source mapping.
func (s *Service) CreateEventSourceMapping(ctx context.Context, in *lambdaapi.CreateEventSourceMappingInput) (*lambdaapi.CreateEventSourceMappingOutput, error) {
	if bad := esmUnsupported(in); len(bad) > 0 {
		return nil, invalidParam("Unsupported parameters for an Amazon SQS event source: %s", strings.Join(bad, ", "))
	}
	if err := esmNotOffered(in.KMSKeyArn, in.MetricsConfig != nil, in.LoggingConfig != nil, in.ProvisionedPollerConfig != nil, in.Tags); err != nil {
		return nil, err
	}
	var v validation
	st := esmSettings{enabled: true, batchSize: esmDefaultBatchSize}
	applyRequest(&v, &st, in.Enabled, in.BatchSize, in.MaximumBatchingWindowInSeconds, in.FilterCriteria,
		in.FunctionResponseTypes, in.ScalingConfig)
	if err := v.err(); err != nil {
		return nil, err
	}
	fifo, err := s.resolveESMSource(deref(in.EventSourceArn))
	if err != nil {
		return nil, err
	}
	if err := validateSettings(&v, st, fifo); err != nil {
		return nil, err
	}
	name, q, err := s.esmFunction(in.FunctionName)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if dup, ok := s.findMapping(deref(in.EventSourceArn), name, q); ok {
		return nil, conflict("An event source mapping with SQS arn (\" %s \") and function (\" %s \") already exists. Please update or delete the existing mapping with UUID %s",
			dup.SourceARN, displayName(name, q), dup.UUID)
	}
	rec := esmRecord{UUID: arn.RequestID(), SourceARN: deref(in.EventSourceArn), Function: name, Qualifier: q,
		FIFO: fifo, LastModified: s.now(ctx)}
	rec.setSettings(st)
	if err := s.esmTable.Save(rec.UUID, rec, true); err != nil {
		return nil, fmt.Errorf("lambda: save event source mapping: %w", err)
	}
	s.esm.apply(rec)
	state := esmCreating
	out := lambdaapi.CreateEventSourceMappingOutput(s.esmView(rec, state))
	return &out, nil
}

// displayName is name or name:qualifier.
func displayName(name, qualifier string) string {
	if qualifier == "" {
		return name
	}
	return name + ":" + qualifier
}

func (r *esmRecord) setSettings(st esmSettings) {
	r.Enabled, r.BatchSize, r.Window, r.Filters = st.enabled, st.batchSize, st.window, st.filters
	r.ReportFailure, r.MaxConcurrency = st.reportFailure, st.maxConcurrency
}

func (r esmRecord) settings() esmSettings {
	return esmSettings{enabled: r.Enabled, batchSize: r.BatchSize, window: r.Window, filters: r.Filters,
		reportFailure: r.ReportFailure, maxConcurrency: r.MaxConcurrency}
}

// findMapping returns the mapping of source to name:qualifier, if any.
func (s *Service) findMapping(source, name, qualifier string) (esmRecord, bool) {
	var found esmRecord
	ok := false
	_ = s.esmTable.List("", "", 0, func(_ string, r esmRecord) bool {
		if r.SourceARN == source && r.Function == name && r.Qualifier == qualifier {
			found, ok = r, true
			return false
		}
		return true
	})
	return found, ok
}

func (s *Service) loadMapping(id string) (esmRecord, error) {
	if id == "" {
		var v validation
		v.add("UUID", nil, "Member must not be null")
		return esmRecord{}, v.err()
	}
	r, err := s.esmTable.Get(id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return esmRecord{}, notFound("The resource you requested does not exist.")
		}
		return esmRecord{}, fmt.Errorf("lambda: load event source mapping: %w", err)
	}
	return r, nil
}

// GetEventSourceMapping returns a mapping.
func (s *Service) GetEventSourceMapping(ctx context.Context, in *lambdaapi.GetEventSourceMappingInput) (*lambdaapi.GetEventSourceMappingOutput, error) {
	r, err := s.loadMapping(deref(in.UUID))
	if err != nil {
		return nil, err
	}
	out := lambdaapi.GetEventSourceMappingOutput(s.esmView(r, ""))
	return &out, nil
}

// UpdateEventSourceMapping changes a mapping; disabling it stops new
// receives at once (batches in flight finish).
func (s *Service) UpdateEventSourceMapping(ctx context.Context, in *lambdaapi.UpdateEventSourceMappingInput) (*lambdaapi.UpdateEventSourceMappingOutput, error) {
	probe := &lambdaapi.CreateEventSourceMappingInput{ParallelizationFactor: in.ParallelizationFactor,
		DestinationConfig: in.DestinationConfig, MaximumRecordAgeInSeconds: in.MaximumRecordAgeInSeconds,
		BisectBatchOnFunctionError: in.BisectBatchOnFunctionError, MaximumRetryAttempts: in.MaximumRetryAttempts,
		TumblingWindowInSeconds: in.TumblingWindowInSeconds, SourceAccessConfigurations: in.SourceAccessConfigurations,
		AmazonManagedKafkaEventSourceConfig: in.AmazonManagedKafkaEventSourceConfig,
		SelfManagedKafkaEventSourceConfig:   in.SelfManagedKafkaEventSourceConfig, DocumentDBEventSourceConfig: in.DocumentDBEventSourceConfig}
	if bad := esmUnsupported(probe); len(bad) > 0 {
		return nil, invalidParam("Unsupported parameters for an Amazon SQS event source: %s", strings.Join(bad, ", "))
	}
	if err := esmNotOffered(in.KMSKeyArn, in.MetricsConfig != nil, in.LoggingConfig != nil, in.ProvisionedPollerConfig != nil, nil); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.loadMapping(deref(in.UUID))
	if err != nil {
		return nil, err
	}
	var v validation
	st := rec.settings()
	was := st.enabled
	applyRequest(&v, &st, in.Enabled, in.BatchSize, in.MaximumBatchingWindowInSeconds, in.FilterCriteria,
		in.FunctionResponseTypes, in.ScalingConfig)
	if err := validateSettings(&v, st, rec.FIFO); err != nil {
		return nil, err
	}
	if in.FunctionName != nil {
		name, q, err := s.esmFunction(in.FunctionName)
		if err != nil {
			return nil, err
		}
		if name != rec.Function || q != rec.Qualifier {
			if dup, ok := s.findMapping(rec.SourceARN, name, q); ok && dup.UUID != rec.UUID {
				return nil, conflict("An event source mapping with SQS arn (\" %s \") and function (\" %s \") already exists. Please update or delete the existing mapping with UUID %s",
					dup.SourceARN, displayName(name, q), dup.UUID)
			}
		}
		rec.Function, rec.Qualifier = name, q
	}
	rec.setSettings(st)
	rec.LastModified = s.now(ctx)
	rec.LastResult = s.esm.lastResultOr(rec.UUID, rec.LastResult)
	if err := s.esmTable.Save(rec.UUID, rec, true); err != nil {
		return nil, fmt.Errorf("lambda: save event source mapping: %w", err)
	}
	s.esm.apply(rec)
	state := esmUpdating
	switch {
	case was && !st.enabled:
		state = esmDisabling
	case !was && st.enabled:
		state = esmEnabling
	}
	out := lambdaapi.UpdateEventSourceMappingOutput(s.esmView(rec, state))
	return &out, nil
}

// DeleteEventSourceMapping deletes a mapping; its poller stops receiving at
// once.
func (s *Service) DeleteEventSourceMapping(ctx context.Context, in *lambdaapi.DeleteEventSourceMappingInput) (*lambdaapi.DeleteEventSourceMappingOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.loadMapping(deref(in.UUID))
	if err != nil {
		return nil, err
	}
	view := s.esmView(rec, esmDeleting)
	b := s.db.NewBatch()
	s.esmTable.Delete(b, rec.UUID)
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("lambda: delete event source mapping: %w", err)
	}
	s.esm.remove(rec.UUID)
	out := lambdaapi.DeleteEventSourceMappingOutput(view)
	return &out, nil
}

// ListEventSourceMappings lists mappings, optionally of one queue and/or
// function, in pages of MaxItems (default 100).
func (s *Service) ListEventSourceMappings(ctx context.Context, in *lambdaapi.ListEventSourceMappingsInput) (*lambdaapi.ListEventSourceMappingsOutput, error) {
	var v validation
	v.rangeInt("maxItems", in.MaxItems, 1, 10000)
	if err := v.err(); err != nil {
		return nil, err
	}
	var fnName, fnQual string
	filterFn := in.FunctionName != nil
	if filterFn {
		ref, err := s.parseFunctionRef("functionName", deref(in.FunctionName), true)
		if err != nil {
			return nil, err
		}
		fnName, fnQual = ref.Name, ref.Qualifier
	}
	var all []esmRecord
	err := s.esmTable.List("", "", 0, func(_ string, r esmRecord) bool {
		if in.EventSourceArn != nil && r.SourceARN != *in.EventSourceArn {
			return true
		}
		if filterFn && (r.Function != fnName || (fnQual != "" && r.Qualifier != fnQual)) {
			return true
		}
		all = append(all, r)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("lambda: list event source mappings: %w", err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].UUID < all[j].UUID })
	limit := int(deref(in.MaxItems))
	if limit == 0 {
		limit = 100
	}
	out := &lambdaapi.ListEventSourceMappingsOutput{EventSourceMappings: []lambdaapi.EventSourceMappingConfiguration{}}
	marker := deref(in.Marker)
	for _, r := range all {
		if marker != "" && r.UUID <= marker {
			continue
		}
		if len(out.EventSourceMappings) == limit {
			out.NextMarker = out.EventSourceMappings[limit-1].UUID
			break
		}
		out.EventSourceMappings = append(out.EventSourceMappings, s.esmView(r, ""))
	}
	return out, nil
}
