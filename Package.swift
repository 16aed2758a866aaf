// swift-tools-version:6.0
// syncnode: a federated sync node for public-data platforms.
// No Swift package dependencies: Foundation plus the system C libraries
// OpenSSL, libcurl and SQLite, each behind one thin wrapper module.
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
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),

        // Thin wrapper modules: the only places that touch C pointers.
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "TLS", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "HTTPSClient", dependencies: ["CCurl", "COpenSSL", "TLS"], swiftSettings: strict),
        .target(name: "TextEncoding", swiftSettings: strict),   // glibc iconv: GB18030 input

        // Safe Swift: wire format, domain core, the node, the CLI.
        .target(name: "HTTP1", swiftSettings: strict),
        .target(name: "SyncCore", swiftSettings: strict),
        .target(name: "SyncNode",
                dependencies: ["SyncCore", "SQLite", "TLS", "HTTPSClient", "HTTP1", "TextEncoding"],
                swiftSettings: strict),
        .executableTarget(name: "syncnode", dependencies: ["SyncNode"], swiftSettings: strict),
        // Benchmarks (release build, not tests): `swift run -c release syncnode-bench`.
        .executableTarget(name: "syncnode-bench", dependencies: ["SyncNode", "SQLite", "SyncCore", "TLS"],
                          path: "Benchmarks/ReplicationBench", swiftSettings: strict),

        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore"], swiftSettings: strict),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"], swiftSettings: strict),
        .testTarget(name: "SyncNodeTests", dependencies: ["SyncNode", "SQLite", "SyncCore", "TLS"], swiftSettings: strict),
        .testTarget(name: "IntegrationTests", dependencies: ["syncnode", "SyncCore", "TLS", "HTTPSClient"],
                    exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
