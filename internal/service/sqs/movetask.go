package sqs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/platform/clock"
)

// moveTask is a StartMessageMoveTask record.
type moveTask struct {
	Handle      string `json:"handle"`
	Status      string `json:"status"` // RUNNING, COMPLETED, CANCELLED, FAILED
	SourceArn   string `json:"sourceArn"`
	Destination string `json:"destinationArn,omitempty"`
	MaxPerSec   int32  `json:"maxPerSecond,omitempty"`
	Moved       int64  `json:"moved"`
	ToMove      int64  `json:"toMove"`
	Failure     string `json:"failure,omitempty"`
	Started     int64  `json:"started"` // Unix ms
}

// runningTask is a rate-limited move task in progress. Its fields are
// guarded by Service.taskMu.
type runningTask struct {
	task     moveTask
	src, dst *queue
	timer    clock.Timer
	done     bool
}

func notFound(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceNotFoundException", http.StatusBadRequest, format, args...)
}

// StartMessageMoveTask moves the available messages of a dead-letter queue
// back to their source queues (or to DestinationArn). Without
// MaxNumberOfMessagesPerSecond Nubo moves them at once and the task is
// COMPLETED when the call returns; with it, the task moves that many
// messages per second of Nubo time until the queue has none available.
func (s *Service) StartMessageMoveTask(ctx context.Context, in *sqsapi.StartMessageMoveTaskInput) (*sqsapi.StartMessageMoveTaskOutput, error) {
	src, dst, err := s.moveTaskQueues(in)
	if err != nil {
		return nil, err
	}
	id, _ := json.Marshal(map[string]string{"taskId": newMessageID(), "sourceArn": src.arn})
	task := moveTask{Handle: base64.StdEncoding.EncodeToString(id), Status: "RUNNING", SourceArn: src.arn,
		Destination: deref(in.DestinationArn), Started: s.nowMS()}
	src.mu.Lock()
	task.ToMove = int64(src.idx.nVisible)
	src.mu.Unlock()
	if in.MaxNumberOfMessagesPerSecond == nil {
		moved, err := s.redrive(src, dst, 0)
		task.Moved, task.Status = moved, "COMPLETED"
		if err != nil {
			task.Status, task.Failure = "FAILED", "The task failed while moving messages."
		}
		if err := s.tasks.Save(task.Handle, task, true); err != nil {
			return nil, err
		}
		return &sqsapi.StartMessageMoveTaskOutput{TaskHandle: &task.Handle}, nil
	}
	task.MaxPerSec = *in.MaxNumberOfMessagesPerSecond
	s.taskMu.Lock()
	defer s.taskMu.Unlock()
	for _, rt := range s.running {
		if rt.src == src && !rt.done {
			return nil, invalidParameter("There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	if err := s.tasks.Save(task.Handle, task, true); err != nil {
		return nil, err
	}
	rt := &runningTask{task: task, src: src, dst: dst}
	s.running[task.Handle] = rt
	s.scheduleStep(rt, 0)
	return &sqsapi.StartMessageMoveTaskOutput{TaskHandle: &task.Handle}, nil
}

// moveTaskQueues validates a StartMessageMoveTask request.
func (s *Service) moveTaskQueues(in *sqsapi.StartMessageMoveTaskInput) (src, dst *queue, err error) {
	if src = s.queueByARN(deref(in.SourceArn)); src == nil {
		return nil, nil, notFound("The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	if len(s.sourcesOf(src.arn)) == 0 {
		return nil, nil, invalidParameter("Source queue must be configured as a Dead Letter Queue.")
	}
	if d := deref(in.DestinationArn); d != "" {
		if dst = s.queueByARN(d); dst == nil {
			return nil, nil, notFound("The resource that you specified for the DestinationArn parameter doesn't exist.")
		}
	}
	if n := in.MaxNumberOfMessagesPerSecond; n != nil && (*n < 1 || *n > 500) {
		return nil, nil, invalidParameter("Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.", *n)
	}
	return src, dst, nil
}

// scheduleStep runs the task's next step after d on the Nubo clock, in a
// goroutine the service owns (steps commit durably, too slow for a clock
// callback). s.taskMu must be held.
func (s *Service) scheduleStep(rt *runningTask, d time.Duration) {
	rt.timer = s.clock.AfterFunc(d, func() {
		s.taskMu.Lock()
		defer s.taskMu.Unlock()
		if rt.done { // cancelled, or the service stopped (stopTasks waits)
			return
		}
		s.wg.Go(func() { s.stepTask(rt) })
	})
}

// stepTask moves one second's worth of messages and finishes the task when
// the source has none available.
func (s *Service) stepTask(rt *runningTask) {
	s.taskMu.Lock()
	if rt.done {
		s.taskMu.Unlock()
		return
	}
	s.taskMu.Unlock()
	moved, err := s.redrive(rt.src, rt.dst, int(rt.task.MaxPerSec))
	rt.src.mu.Lock()
	left := rt.src.idx.nVisible
	rt.src.mu.Unlock()
	s.taskMu.Lock()
	defer s.taskMu.Unlock()
	if rt.done {
		return
	}
	rt.task.Moved += moved
	switch {
	case err != nil:
		rt.task.Status, rt.task.Failure, rt.done = "FAILED", "The task failed while moving messages.", true
	case left == 0 || moved == 0:
		rt.task.Status, rt.done = "COMPLETED", true
	default:
		s.scheduleStep(rt, time.Second)
	}
	if err := s.tasks.Save(rt.task.Handle, rt.task, false); err != nil {
		s.log.Warn("sqs: saving move task", "err", err)
	}
}

// redrive moves up to limit (0: all) of src's visible messages, oldest
// first, to dst, or to each message's source queue when dst is nil
// (messages whose source is gone stay).
func (s *Service) redrive(src, dst *queue, limit int) (moved int64, err error) {
	byARN := map[string]*queue{}
	s.mu.RLock()
	for _, q := range s.byName {
		byARN[q.arn] = q
	}
	s.mu.RUnlock()
	src.mu.Lock()
	src.idx.promote(s.nowMS())
	var avail []*message
	for _, m := range src.idx.msgs {
		if m.where == whereVisible {
			avail = append(avail, m)
		}
	}
	slices.SortFunc(avail, func(a, b *message) int { return compareSeq(a.seq, b.seq) })
	byDest := map[*queue][]*message{}
	for _, m := range avail {
		d := dst
		if d == nil {
			d = byARN[m.dlqFrom]
		}
		if d == nil || d == src {
			continue
		}
		if limit > 0 && int(moved) == limit {
			break
		}
		src.idx.remove(m)
		byDest[d] = append(byDest[d], m)
		moved++
	}
	src.mu.Unlock()
	for d, msgs := range byDest {
		if e := s.transfer(src, d, msgs, ""); e != nil {
			err = e
			moved -= int64(len(msgs))
		}
	}
	return moved, err
}

func compareSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ListMessageMoveTasks lists the most recent move tasks of a source queue.
func (s *Service) ListMessageMoveTasks(ctx context.Context, in *sqsapi.ListMessageMoveTasksInput) (*sqsapi.ListMessageMoveTasksOutput, error) {
	src := s.queueByARN(deref(in.SourceArn))
	if src == nil {
		return nil, notFound("The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	limit := 1
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 10 {
			return nil, invalidParameter("Value %d for parameter MaxResults is invalid. Reason: Must be between 1 and 10.", *in.MaxResults)
		}
		limit = int(*in.MaxResults)
	}
	tasks, err := s.tasksOf(src.arn)
	if err != nil {
		return nil, err
	}
	out := &sqsapi.ListMessageMoveTasksOutput{Results: []sqsapi.ListMessageMoveTasksResultEntry{}}
	for _, t := range tasks[:min(limit, len(tasks))] {
		e := sqsapi.ListMessageMoveTasksResultEntry{Status: &t.Status, SourceArn: &t.SourceArn,
			ApproximateNumberOfMessagesMoved: &t.Moved, ApproximateNumberOfMessagesToMove: &t.ToMove,
			StartedTimestamp: &t.Started, DestinationArn: optional(t.Destination), FailureReason: optional(t.Failure)}
		if t.MaxPerSec > 0 {
			e.MaxNumberOfMessagesPerSecond = &t.MaxPerSec
		}
		if t.Status == "RUNNING" {
			e.TaskHandle = &t.Handle
		}
		out.Results = append(out.Results, e)
	}
	return out, nil
}

// tasksOf returns the move tasks of a source queue, newest first, with the
// running ones' current progress.
func (s *Service) tasksOf(srcARN string) ([]moveTask, error) {
	var tasks []moveTask
	err := s.tasks.List("", "", 0, func(_ string, t moveTask) bool {
		if t.SourceArn == srcARN {
			tasks = append(tasks, t)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	s.taskMu.Lock()
	for i, t := range tasks {
		if rt := s.running[t.Handle]; rt != nil {
			tasks[i] = rt.task
		}
	}
	s.taskMu.Unlock()
	slices.SortFunc(tasks, func(a, b moveTask) int { return compareSeq(uint64(b.Started), uint64(a.Started)) })
	return tasks, nil
}

// CancelMessageMoveTask cancels a running move task; messages already moved
// stay moved.
func (s *Service) CancelMessageMoveTask(ctx context.Context, in *sqsapi.CancelMessageMoveTaskInput) (*sqsapi.CancelMessageMoveTaskOutput, error) {
	h := deref(in.TaskHandle)
	s.taskMu.Lock()
	defer s.taskMu.Unlock()
	rt := s.running[h]
	if rt == nil {
		if _, err := s.tasks.Get(h); err != nil {
			return nil, notFound("Task does not exist.")
		}
		return nil, awsapi.Errorf("FailedPrecondition", http.StatusBadRequest, "Only active tasks can be cancelled.")
	}
	if rt.done {
		return nil, awsapi.Errorf("FailedPrecondition", http.StatusBadRequest, "Only active tasks can be cancelled.")
	}
	rt.done = true
	rt.timer.Stop()
	rt.task.Status = "CANCELLED"
	if err := s.tasks.Save(h, rt.task, true); err != nil {
		return nil, err
	}
	moved := rt.task.Moved
	return &sqsapi.CancelMessageMoveTaskOutput{ApproximateNumberOfMessagesMoved: &moved}, nil
}

// failInterruptedTasks marks tasks left RUNNING by a previous process as
// FAILED.
func (s *Service) failInterruptedTasks() error {
	var stale []moveTask
	err := s.tasks.List("", "", 0, func(_ string, t moveTask) bool {
		if t.Status == "RUNNING" {
			stale = append(stale, t)
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, t := range stale {
		t.Status, t.Failure = "FAILED", "The task was interrupted when Nubo stopped."
		if err := s.tasks.Save(t.Handle, t, false); err != nil {
			return err
		}
	}
	return nil
}

// stopTasks cancels the timers of running tasks and waits for steps in
// progress.
func (s *Service) stopTasks() {
	s.taskMu.Lock()
	for _, rt := range s.running {
		if !rt.done && rt.timer != nil {
			rt.timer.Stop()
		}
		rt.done = true
	}
	s.taskMu.Unlock()
	s.wg.Wait()
}
