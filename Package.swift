// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "meguri",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "meguri", targets: ["meguri"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        // Named for its C module: the per-connection settings are applied by an SQLite auto extension (ADR 0016).
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        // Named for its cells: rows are read from the driver's own row where SQLKit's generic path was slow (issue 20).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
    ],
    targets: [
        // Pure ISMS vocabulary and rules. No web framework, no database.
        .target(name: "Domain", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        // The ISO/IEC 27001:2022 reference catalog, bundled as versioned resources.
        .target(name: "Catalog", dependencies: ["Domain"], resources: [.copy("iso27001-2022"), .copy("risk"), .copy("training"), .copy("starters"), .copy("imports")], swiftSettings: strict),
        // Message catalogs (ja/en) shared by the web surfaces and the CLI.
        .target(name: "Localization", dependencies: ["Domain"], resources: [.copy("messages.json")], swiftSettings: strict),
        // Tables, migrations and queries for SQLite and PostgreSQL.
        .target(name: "Storage", dependencies: [
            "Domain",
            .product(name: "FluentKit", package: "fluent-kit"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
            .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], swiftSettings: strict),
        // Spreadsheets (XLSX) written and read with a ZIP library: pure functions of rows and bytes.
        // Optimized in debug builds too: the reader scans every byte of an upload, and unoptimized
        // generic code read a 256 MB sheet at 3 MB/s in the debug binary CI runs.
        .target(name: "Spreadsheet", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
                swiftSettings: strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // A small SMTP client on SwiftNIO (no SMTP package is in the mirror).
        .target(name: "Mail", dependencies: [
            "Domain",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ], swiftSettings: strict),
        // Use cases: one transaction each, Domain rules, audit trail.
        .target(name: "Features", dependencies: ["Domain", "Storage", "Catalog", "Localization", "Spreadsheet"], swiftSettings: strict),
        // Routes, authentication, pages, JSON API. The only module that imports Vapor.
        .target(name: "Web", dependencies: [
            "Domain", "Storage", "Features", "Catalog", "Localization", "Mail",
            .product(name: "Vapor", package: "vapor"),
            .product(name: "Fluent", package: "fluent"),
        ], resources: [.copy("Public")], swiftSettings: strict),
        .executableTarget(name: "meguri", dependencies: [
            "Web", "Features", "Storage", "Domain", "Localization",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),
        .target(name: "TestSupport", dependencies: ["Web", "Features", "Storage", "Domain",
            .product(name: "VaporTesting", package: "vapor"), .product(name: "SQLKit", package: "sql-kit")], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "DomainTests", dependencies: ["Domain"], exclude: ["CSVCorpus"], swiftSettings: strict),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog"], swiftSettings: strict),
        .testTarget(name: "SpreadsheetTests", dependencies: ["Spreadsheet", .product(name: "ZIPFoundation", package: "ZIPFoundation")], exclude: ["Corpus"],
                    swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Features", "TestSupport", .product(name: "FluentKit", package: "fluent-kit")], exclude: ["Golden", "Snapshots"],
                    swiftSettings: strict),
        .testTarget(name: "WebTests", dependencies: ["Web", "Features", "Storage", "Domain", "Localization", "TestSupport", .product(name: "VaporTesting", package: "vapor")], swiftSettings: strict),
    ]
)
