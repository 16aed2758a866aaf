#ifndef SYNCNODE_SQLITE_LOG_VFS_H
#define SYNCNODE_SQLITE_LOG_VFS_H

/// Registers (once; later calls return the first result) the SQLite VFS named by
/// `syncnode_log_vfs_name()`: the default `unix` VFS, except that a connection's writes to its
/// write-ahead log (`-wal` file) are gathered in a buffer of its own and written in large
/// `pwrite`s. Nothing a connection has committed is ever left in the buffer: the buffer is written
/// out when the page of a commit frame has been written, and before any read of the log that
/// overlaps it, any sync, truncation, size query, file control or close. What it can hold at a
/// crash is only frames of a transaction that has not committed, which SQLite's recovery ignores
/// anyway. Returns SQLITE_OK or an SQLite error code. Not safe to call from two threads at once:
/// `Database` calls it exactly once, through a Swift `static let`.
int syncnode_log_vfs_register(void);

/// "syncnode-log": the name to pass to `sqlite3_open_v2`.
const char *syncnode_log_vfs_name(void);

#endif
