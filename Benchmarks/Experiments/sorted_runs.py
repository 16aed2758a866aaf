# The storage floor of a record index written in sorted runs (LSM-style) against in-place inserts,
# with SQLite alone (Python's sqlite3, the system libsqlite3), on the shape of syncnode's tables:
# an appended log of ~420-byte bodies and a WITHOUT ROWID record index keyed by (dataset, key).
#   plain   random keys inserted into the index in place, 4,000 a commit (what a node does today)
#   lsm     random keys appended to a rowid table (kept in a dict for lookups), merged into the index
#           in key order every MERGE records (default 65,536) in one transaction
#   seqkeys sequential keys in place: the floor with no index scatter
# Checkpoints run every second of work on the same connection; synchronous=FULL, WAL.
#   python3 Benchmarks/Experiments/sorted_runs.py plain|lsm|seqkeys RECORDS [MERGE]
# It writes /tmp/lsm/t.db. See docs/scaling.md, "Random keys", for what it measured.
import sqlite3, uuid, time, os, sys, random
N=int(sys.argv[2]); B=4000; mode=sys.argv[1]; MERGE=int(sys.argv[3]) if len(sys.argv)>3 else 65536
os.makedirs('/tmp/lsm', exist_ok=True)
path='/tmp/lsm/t.db'
for s in ('','-wal','-shm'):
    try: os.remove(path+s)
    except FileNotFoundError: pass
db=sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL"); db.execute("PRAGMA cache_size=-16384"); db.execute("PRAGMA wal_autocheckpoint=0")
db.execute("CREATE TABLE log(seq INTEGER PRIMARY KEY, dataset TEXT, region TEXT, live INT, logged_at INT, body BLOB)")
db.execute("CREATE TABLE record_state(dataset TEXT NOT NULL, key TEXT NOT NULL, region TEXT, deleted INT, seq INT, more TEXT, PRIMARY KEY(dataset,key)) WITHOUT ROWID")
db.execute("CREATE TABLE fresh(dataset TEXT, key TEXT, region TEXT, deleted INT, seq INT, more TEXT)")
rnd=random.Random(1)
body=b'x'*420
seq=0; fresh={}; lastck=time.time(); ck=0.0
t0=time.time()
def checkpoint():
    global lastck, ck
    if time.time()-lastck>=1:
        a=time.time(); db.execute("PRAGMA wal_checkpoint(PASSIVE)"); ck+=time.time()-a; lastck=time.time()
merges=0.0
for b in range(N//B):
    db.execute("BEGIN")
    rows=[]
    for i in range(B):
        seq+=1
        k=str(uuid.UUID(int=rnd.getrandbits(128))) if mode!='seqkeys' else 'K%012d'%seq
        rows.append(('enterprise',k,'440310',0,seq,None))
    db.executemany("INSERT INTO log(seq,dataset,region,live,logged_at,body) VALUES(?,?,?,1,0,?)", [(r[4],r[0],r[2],body) for r in rows])
    if mode=='lsm':
        # lookup: in memory map then main index
        for r in rows:
            if (r[0],r[1]) in fresh: continue
            db.execute("SELECT seq FROM record_state WHERE dataset=? AND key=?", (r[0],r[1])).fetchone()
            fresh[(r[0],r[1])]=r[4]
        db.executemany("INSERT INTO fresh VALUES(?,?,?,?,?,?)", rows)
    else:
        db.executemany("INSERT INTO record_state VALUES(?,?,?,?,?,?) ON CONFLICT(dataset,key) DO NOTHING", rows)
    db.execute("COMMIT")
    checkpoint()
    if mode=='lsm' and len(fresh)>=MERGE:
        a=time.time()
        db.execute("BEGIN")
        db.execute("INSERT INTO record_state SELECT dataset,key,region,deleted,seq,more FROM fresh WHERE true ORDER BY dataset,key ON CONFLICT(dataset,key) DO UPDATE SET seq=excluded.seq")
        db.execute("DELETE FROM fresh")
        db.execute("COMMIT"); fresh.clear(); merges+=time.time()-a
        checkpoint()
el=time.time()-t0
print(f"{mode} N={N}: {1e6*el/N:.1f} us/change total, of which checkpoints {1e6*ck/N:.1f}, merges {1e6*merges/N:.1f}")
