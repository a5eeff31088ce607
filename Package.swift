// swift-tools-version: 6.0
import PackageDescription

/// Every target gets the same strictness: internal imports by default (no dependency type leaks into
/// public API by accident), explicit `any` for existentials, and member import visibility.
let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The SwiftNIO pieces an HTTP server or client is built from (the simulator, the HTTP module, its tests).
let nioHTTP: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
]
/// TLS and certificates (the HTTP module and its tests, which make a CA).
let tls: [Target.Dependency] = [
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
    .product(name: "X509", package: "swift-certificates"),
    .product(name: "SwiftASN1", package: "swift-asn1"),
]

// Linux only: the code calls Glibc (flock, fsync, st_mtim) directly; no Apple platform is claimed.
let package = Package(
    name: "kb4-events",
    products: [
        .executable(name: "kb4-events", targets: ["kb4-events"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // The only C: the system zlib and libzstd, each imported by exactly one Swift file (Gzip.swift,
        // ParquetZstdCompressor.swift).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // The shared vocabulary every module speaks: the UTC calendar (`Day`), UTC instants as text, JSON values with
        // their reader and writer. Depends on nothing.
        .target(name: "KB4EventsCore"),
        // The User Event API: models, endpoints, paging, pacing, an HTTP transport seam. No files, no days.
        .target(
            name: "KB4EventsAPI",
            dependencies: [
                "KB4EventsCore",
                "KB4EventsNet",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The one HTTP module, shared by the API client and the S3 client: one AsyncHTTPClient per proxy route, requests
        // with bodies in memory or streamed from a file, responses in memory or streamed to a file, proxies and trust
        // roots from the environment, and what a failed request means to an operator (host, port, cause).
        .target(
            name: "KB4EventsNet",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ] + nioHTTP + tls
        ),
        // S3 over HTTP: SigV4 signer, the AWS credential chain, the few object requests a lake needs. Knows
        // nothing of lakes.
        .target(
            name: "KB4EventsS3",
            dependencies: [
                "KB4EventsCore",
                "KB4EventsNet",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Config → windows → extract → transform → load → manifest, and the runner that owns the order.
        .target(
            name: "KB4EventsPipeline",
            dependencies: [
                "CZlib",
                "CZstd",
                "KB4EventsCore",
                "KB4EventsAPI",
                "KB4EventsParquet",
                "KB4EventsS3",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The local twin of the API: data generator, HTTP server, fault injection. Knows nothing of the client.
        .target(
            name: "KB4EventsSimulator",
            dependencies: [
                "KB4EventsCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ] + nioHTTP
        ),
        // A Parquet file writer: columns and bytes, a Thrift compact encoder for the footer, pages, dictionaries,
        // statistics. Knows nothing of events, JSON or lakes; compression comes in through a protocol.
        .target(name: "KB4EventsParquet"),
        // The command tree: parse, validate, build, run, map errors to exit codes. Nothing else.
        .executableTarget(
            name: "kb4-events",
            dependencies: [
                "KB4EventsCore",
                "KB4EventsAPI",
                "KB4EventsNet",
                "KB4EventsPipeline",
                "KB4EventsSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // `simulate --tls-cert/--tls-key` reads the PEM files.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // What several test targets share: running the built binary, the simulator set up for tests, a CA made at
        // test time, squid as a forward proxy.
        .target(
            name: "KB4EventsTestSupport",
            dependencies: ["KB4EventsSimulator", .product(name: "Crypto", package: "swift-crypto")] + nioHTTP + tls,
            path: "Tests/Support"
        ),
        .testTarget(
            name: "KB4EventsCoreTests",
            dependencies: ["KB4EventsCore"]
        ),
        .testTarget(
            name: "KB4EventsAPITests",
            dependencies: ["KB4EventsCore", "KB4EventsAPI", "KB4EventsSimulator", "KB4EventsTestSupport"]
        ),
        .testTarget(
            name: "KB4EventsPipelineTests",
            dependencies: [
                "CZstd", "KB4EventsCore", "KB4EventsPipeline", "KB4EventsAPI", "KB4EventsParquet", "KB4EventsSimulator",
                "KB4EventsTestSupport",
            ]
        ),
        .testTarget(
            name: "KB4EventsSimulatorTests",
            dependencies: ["KB4EventsCore", "KB4EventsSimulator", "KB4EventsTestSupport"]
        ),
        // The signer against botocore, the S3 client and the object-store contract against moto in server mode.
        .testTarget(
            name: "KB4EventsS3Tests",
            dependencies: ["KB4EventsCore", "KB4EventsS3", "KB4EventsPipeline", "KB4EventsAPI", "KB4EventsSimulator", "KB4EventsTestSupport"],
            exclude: ["Python"]
        ),
        // The writer's pure parts byte for byte, and its files read back by pyarrow and DuckDB.
        .testTarget(
            name: "KB4EventsParquetTests",
            dependencies: ["KB4EventsParquet", "KB4EventsPipeline", "KB4EventsSimulator", "KB4EventsTestSupport"],
            exclude: ["Python"]
        ),
        // The HTTP module against real loopback servers: plain, TLS with a test CA, a forward proxy (squid), IPv6.
        .testTarget(
            name: "KB4EventsNetTests",
            dependencies: ["KB4EventsNet", "KB4EventsTestSupport", .product(name: "Crypto", package: "swift-crypto")]
                + nioHTTP + tls
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["KB4EventsSimulator", "KB4EventsTestSupport"],
            exclude: ["Python"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strictness
}
