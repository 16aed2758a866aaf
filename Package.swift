// swift-tools-version:6.0
// syncnode: a federated sync node for public-data platforms.
// No Swift package dependencies: Foundation plus the system C libraries
// OpenSSL, libcurl and SQLite, each behind one thin wrapper module.
//
// Layers, each depending only on those above it:
//   C libraries      CSQLite, COpenSSL, CCurl (module maps + shim.h); CSQLiteLog (a VFS, in C)
//   C wrappers       Posix, SQLite, TLS, HTTPSClient, TextEncoding   (the only unsafe code)
//   pure Swift       HTTP1 (wire), SyncCore (domain, rules, protocol, ports)
//   engine & store   SyncStore (SQLite behind the store port), SyncEngine (no SQL, no sockets)
//   node             SyncNode (services, servers, status, transfer)
//   programs         syncnode (CLI), syncnode-bench; SyncTesting (fleet, loopback channel, demo data)
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "syncnode",
    products: [
        .executable(name: "syncnode", targets: ["syncnode"]),
    ],
    targets: [
        // C libraries: a module map and a shim header of typed static inline
        // wrappers for what Swift cannot call (variadic functions, macros).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // A C VFS over SQLite's own: writes to a write-ahead log gathered into large ones.
        .target(name: "CSQLiteLog", dependencies: ["CSQLite"]),

        // Thin wrapper modules: the only places that touch C pointers.
        .target(name: "Posix", swiftSettings: strict),                    // sockets, syscalls, signals, terminal
        .target(name: "SQLite", dependencies: ["CSQLite", "CSQLiteLog"], swiftSettings: strict),
        .target(name: "TLS", dependencies: ["COpenSSL", "Posix"], swiftSettings: strict),
        .target(name: "HTTPSClient", dependencies: ["CCurl", "COpenSSL", "TLS"], swiftSettings: strict),
        .target(name: "TextEncoding", swiftSettings: strict),             // glibc iconv: GB18030 input

        // Pure Swift: the HTTP wire format; the domain, its rules, the protocol and the ports.
        .target(name: "HTTP1", swiftSettings: strict),
        .target(name: "SyncCore", swiftSettings: strict),

        // The store behind the port, and the engine that uses it.
        .target(name: "SyncStore", dependencies: ["SyncCore", "SQLite", "Posix"], swiftSettings: strict),
        .target(name: "SyncEngine", dependencies: ["SyncCore"], swiftSettings: strict),

        // The node: services, federation and admin servers, status, transfer.
        .target(name: "SyncNode",
                dependencies: ["SyncCore", "SyncEngine", "SyncStore", "Posix", "TLS", "HTTPSClient", "HTTP1", "TextEncoding"],
                swiftSettings: strict),

        // One launcher of real node processes for the demo, the tests and the benchmark;
        // an in-process channel and clock for engine tests; the demo's sample data.
        .target(name: "SyncTesting", dependencies: ["SyncNode", "SyncEngine", "SyncStore", "SyncCore", "Posix", "TLS"],
                swiftSettings: strict),

        .executableTarget(name: "syncnode", dependencies: ["SyncNode", "SyncTesting", "TextEncoding"], swiftSettings: strict),
        // Benchmarks (release build, not tests): `swift build -c release && .build/release/syncnode-bench`.
        .executableTarget(name: "syncnode-bench", dependencies: ["SyncTesting", "SyncNode", "SQLite", "SyncCore", "SyncStore", "Posix"],
                          path: "Benchmarks/ReplicationBench", swiftSettings: strict),

        .testTarget(name: "PosixTests", dependencies: ["Posix"], swiftSettings: strict),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"], swiftSettings: strict),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"], swiftSettings: strict),
        .testTarget(name: "TextEncodingTests", dependencies: ["TextEncoding"], swiftSettings: strict),
        .testTarget(name: "HTTPSClientTests", dependencies: ["HTTPSClient", "TLS", "Posix", "HTTP1"], swiftSettings: strict),
        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore", "SyncTesting"], swiftSettings: strict),
        .testTarget(name: "SyncStoreTests", dependencies: ["SyncStore", "SyncCore", "SQLite", "SyncTesting"], swiftSettings: strict),
        .testTarget(name: "SyncEngineTests", dependencies: ["SyncEngine", "SyncStore", "SyncCore", "SyncTesting", "SQLite"], swiftSettings: strict),
        .testTarget(name: "SyncNodeTests", dependencies: ["SyncNode", "SyncCore", "SyncEngine", "SyncTesting", "TLS", "TextEncoding", "HTTPSClient"],
                    swiftSettings: strict),
        .testTarget(name: "CLITests", dependencies: ["syncnode"], swiftSettings: strict),
        .testTarget(name: "IntegrationTests", dependencies: ["syncnode", "SyncTesting", "SyncCore", "SQLite", "TLS", "HTTPSClient", "HTTP1", "Posix"],
                    exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
