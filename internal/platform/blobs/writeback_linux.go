package blobs

import (
	"os"
	"syscall"
)

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE: start writing back the dirty
// pages of the range without waiting.
const syncFileRangeWrite = 2

// startWriteBack asks the kernel to start writing n bytes of f from off to
// disk. It is only a hint: durability still comes from the fsync after.
func startWriteBack(f *os.File, off, n int64) {
	_, _, _ = syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, f.Fd(), uintptr(off), uintptr(n), syncFileRangeWrite, 0, 0)
}
