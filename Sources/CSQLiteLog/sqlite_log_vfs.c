// A VFS that gathers a connection's writes to its write-ahead log into large writes.
//
// SQLite writes each log frame with two pwrite calls: its 24-byte header, then its page. A frame is
// 4,120 bytes, so the page straddles two pages of the kernel's page cache and each frame costs
// three page-cache lookups and two system calls. With random keys a commit of 4,000 changes
// writes ~3,700 frames; `perf` put those writes at a quarter of a receiver's apply. Gathered into
// writes of up to LOG_BUFFER_BYTES, a frame costs about one page-cache page and 1/30 of a call.
//
// Correctness rests on what sits in the buffer: only frames SQLite has not yet made visible.
// SQLite makes a transaction visible (wal-index header) only after sqlite3WalFrames has written
// every frame, the commit frame last, then possibly rewritten checksums of earlier frames of the
// same transaction, synced and truncated. This VFS writes the buffer out as soon as the commit
// frame's page has been written, so the commit is in the file before any of that; everything
// after it in sqlite3WalFrames (checksum rewrites at lower offsets) goes straight to the file.
// A process that dies with frames in its buffer loses only an uncommitted transaction.
//
// Files that are not a write-ahead log are opened by the underlying VFS in place, with its own
// methods: no indirection for the database file or its shared memory.
#include "sqlite_log_vfs.h"

#include <sqlite3.h>
#include <string.h>

// The unix VFS writes at most 0x1ffff bytes in one call (it masks the length to 17 bits: a longer
// write comes back short and as SQLITE_FULL), so one buffer stays below 128 KiB.
#define LOG_BUFFER_BYTES (120 * 1024)
#define FRAME_HEADER_BYTES 24
#define LOG_HEADER_BYTES 32
#define LOG_VFS_NAME "syncnode-log"

typedef struct LogFile {
    sqlite3_file base;            // methods: logMethods
    sqlite3_file *real;           // the underlying VFS's file, in the same allocation, after this struct
    unsigned char *buffer;        // LOG_BUFFER_BYTES, allocated at the first buffered write
    sqlite3_int64 start;          // the file offset of buffer[0]
    int length;                   // bytes held
    sqlite3_int64 commitPageAt;   // where the page of the last commit frame header seen goes (-1: none)
    sqlite3_int64 appendAt;       // the log's end at this connection's last commit: lower offsets are rewrites
} LogFile;

static sqlite3_vfs *underlying;
static sqlite3_vfs logVFS;
static int registered = -1;

static int flush(LogFile *f) {
    if (f->length == 0) return SQLITE_OK;
    int length = f->length;
    f->length = 0;
    return f->real->pMethods->xWrite(f->real, f->buffer, length, f->start);
}

static int overlaps(const LogFile *f, sqlite3_int64 offset, int amount) {
    return f->length > 0 && offset < f->start + f->length && offset + amount > f->start;
}

static int logClose(sqlite3_file *file) {
    LogFile *f = (LogFile *)file;
    int rc = flush(f);
    int closed = f->real->pMethods->xClose(f->real);
    sqlite3_free(f->buffer);
    f->buffer = NULL;
    return rc != SQLITE_OK ? rc : closed;
}

static int logRead(sqlite3_file *file, void *out, int amount, sqlite3_int64 offset) {
    LogFile *f = (LogFile *)file;
    if (overlaps(f, offset, amount)) {
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
    }
    return f->real->pMethods->xRead(f->real, out, amount, offset);
}

static int commitFrameHeader(const void *data, int amount) {
    if (amount != FRAME_HEADER_BYTES) return 0;
    const unsigned char *h = data;
    return (h[4] | h[5] | h[6] | h[7]) != 0;   // the database's size after the commit, 0 in other frames
}

static int logWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    LogFile *f = (LogFile *)file;
    int rc = SQLITE_OK;
    int rewrite = 0;
    if (f->length > 0 && offset >= f->start && offset + amount <= f->start + f->length) {
        memcpy(f->buffer + (offset - f->start), data, (size_t)amount);           // a frame of this transaction again
    } else if (f->length > 0 && offset == f->start + f->length && f->length + amount <= LOG_BUFFER_BYTES) {
        memcpy(f->buffer + f->length, data, (size_t)amount);                      // the next bytes of the log
        f->length += amount;
    } else {
        rc = flush(f);
        if (rc != SQLITE_OK) return rc;
        if (offset == 0 && amount == LOG_HEADER_BYTES) f->appendAt = 0;             // the log starts again
        rewrite = offset < f->appendAt;                                              // below this connection's last commit
        int gather = !rewrite && amount < LOG_BUFFER_BYTES;
        if (gather && f->buffer == NULL) f->buffer = sqlite3_malloc(LOG_BUFFER_BYTES);
        if (gather && f->buffer != NULL) {
            memcpy(f->buffer, data, (size_t)amount);
            f->start = offset;
            f->length = amount;
        } else {
            rc = f->real->pMethods->xWrite(f->real, data, amount, offset);
            if (rc != SQLITE_OK) return rc;
        }
    }
    if (rewrite) {
        // Straight to the file, and no commit to look for: a checksum SQLite rewrites after the commit.
    } else if (commitFrameHeader(data, amount)) {
        f->commitPageAt = offset + FRAME_HEADER_BYTES;
    } else if (offset == f->commitPageAt) {
        f->commitPageAt = -1;
        f->appendAt = offset + amount;
        rc = flush(f);                                                             // the commit, before SQLite shows it
    }
    return rc;
}

static int logTruncate(sqlite3_file *file, sqlite3_int64 size) {
    LogFile *f = (LogFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    if (f->appendAt > size) f->appendAt = size;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int logSync(sqlite3_file *file, int flags) {
    LogFile *f = (LogFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xSync(f->real, flags);
}

static int logFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    LogFile *f = (LogFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}

static int logLock(sqlite3_file *file, int level) {
    LogFile *f = (LogFile *)file;
    return f->real->pMethods->xLock(f->real, level);
}

static int logUnlock(sqlite3_file *file, int level) {
    LogFile *f = (LogFile *)file;
    return f->real->pMethods->xUnlock(f->real, level);
}

static int logCheckReservedLock(sqlite3_file *file, int *out) {
    LogFile *f = (LogFile *)file;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int logFileControl(sqlite3_file *file, int op, void *arg) {
    LogFile *f = (LogFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int logSectorSize(sqlite3_file *file) {
    LogFile *f = (LogFile *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int logDeviceCharacteristics(sqlite3_file *file) {
    LogFile *f = (LogFile *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int logShmMap(sqlite3_file *file, int region, int size, int extend, void volatile **out) {
    LogFile *f = (LogFile *)file;
    if (f->real->pMethods->iVersion < 2) return SQLITE_IOERR;
    return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}

static int logShmLock(sqlite3_file *file, int offset, int n, int flags) {
    LogFile *f = (LogFile *)file;
    if (f->real->pMethods->iVersion < 2) return SQLITE_IOERR;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void logShmBarrier(sqlite3_file *file) {
    LogFile *f = (LogFile *)file;
    if (f->real->pMethods->iVersion >= 2) f->real->pMethods->xShmBarrier(f->real);
}

static int logShmUnmap(sqlite3_file *file, int deleteFlag) {
    LogFile *f = (LogFile *)file;
    if (f->real->pMethods->iVersion < 2) return SQLITE_OK;
    return f->real->pMethods->xShmUnmap(f->real, deleteFlag);
}

static int logFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    LogFile *f = (LogFile *)file;
    *out = NULL;
    if (f->real->pMethods->iVersion < 3) return SQLITE_OK;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

static int logUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *page) {
    LogFile *f = (LogFile *)file;
    if (f->real->pMethods->iVersion < 3) return SQLITE_OK;
    return f->real->pMethods->xUnfetch(f->real, offset, page);
}

static const sqlite3_io_methods logMethods = {
    3,
    logClose, logRead, logWrite, logTruncate, logSync, logFileSize,
    logLock, logUnlock, logCheckReservedLock, logFileControl, logSectorSize, logDeviceCharacteristics,
    logShmMap, logShmLock, logShmBarrier, logShmUnmap,
    logFetch, logUnfetch,
};

static int logOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    if ((flags & SQLITE_OPEN_WAL) == 0) {
        return underlying->xOpen(underlying, name, file, flags, outFlags);   // the underlying file, in place
    }
    LogFile *f = (LogFile *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)&f[1];
    f->commitPageAt = -1;
    int rc = underlying->xOpen(underlying, name, f->real, flags, outFlags);
    f->base.pMethods = f->real->pMethods != NULL ? &logMethods : NULL;
    return rc;
}

static int logDelete(sqlite3_vfs *vfs, const char *name, int syncDir) {
    (void)vfs;
    return underlying->xDelete(underlying, name, syncDir);
}

static int logAccess(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    return underlying->xAccess(underlying, name, flags, out);
}

static int logFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return underlying->xFullPathname(underlying, name, size, out);
}

static void *logDlOpen(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return underlying->xDlOpen(underlying, name);
}

static void logDlError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    underlying->xDlError(underlying, size, out);
}

static void (*logDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return underlying->xDlSym(underlying, handle, symbol);
}

static void logDlClose(sqlite3_vfs *vfs, void *handle) {
    (void)vfs;
    underlying->xDlClose(underlying, handle);
}

static int logRandomness(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return underlying->xRandomness(underlying, size, out);
}

static int logSleep(sqlite3_vfs *vfs, int microseconds) {
    (void)vfs;
    return underlying->xSleep(underlying, microseconds);
}

static int logCurrentTime(sqlite3_vfs *vfs, double *out) {
    (void)vfs;
    return underlying->xCurrentTime(underlying, out);
}

static int logGetLastError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return underlying->xGetLastError != NULL ? underlying->xGetLastError(underlying, size, out) : 0;
}

static int logCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    if (underlying->iVersion >= 2 && underlying->xCurrentTimeInt64 != NULL) {
        return underlying->xCurrentTimeInt64(underlying, out);
    }
    double days = 0;
    int rc = underlying->xCurrentTime(underlying, &days);
    *out = (sqlite3_int64)(days * 86400000.0);
    return rc;
}

int syncnode_log_vfs_register(void) {
    if (registered != -1) return registered;
    int rc = sqlite3_initialize();
    if (rc != SQLITE_OK) return registered = rc;
    underlying = sqlite3_vfs_find("unix");
    if (underlying == NULL) return registered = SQLITE_ERROR;
    logVFS = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(LogFile) + underlying->szOsFile,
        .mxPathname = underlying->mxPathname,
        .zName = LOG_VFS_NAME,
        .xOpen = logOpen,
        .xDelete = logDelete,
        .xAccess = logAccess,
        .xFullPathname = logFullPathname,
        .xDlOpen = logDlOpen,
        .xDlError = logDlError,
        .xDlSym = logDlSym,
        .xDlClose = logDlClose,
        .xRandomness = logRandomness,
        .xSleep = logSleep,
        .xCurrentTime = logCurrentTime,
        .xGetLastError = logGetLastError,
        .xCurrentTimeInt64 = logCurrentTimeInt64,
    };
    return registered = sqlite3_vfs_register(&logVFS, 0);
}

const char *syncnode_log_vfs_name(void) {
    return LOG_VFS_NAME;
}
