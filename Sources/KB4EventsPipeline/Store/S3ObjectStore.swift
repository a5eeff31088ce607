package import KB4EventsS3

/// The lake in an S3 bucket under a prefix: key `k` is object `<prefix>/k`. Puts of finished files go up as one PUT
/// or a multipart upload (visible only when complete); `PutMode` maps to `If-None-Match: *` / `If-Match: <etag>`
/// and a `412` becomes `ObjectStoreError.preconditionFailed`. Other failures are `S3Error`s naming bucket, key and
/// S3 error code.
struct S3ObjectStore: ObjectStore {
    /// The client doing the requests.
    package let client: S3Client
    /// The bucket.
    package let bucket: String
    /// The key prefix without a trailing slash; empty for the bucket's root.
    package let prefix: String

    /// A store over `client` in `bucket` under `prefix`.
    package init(client: S3Client, bucket: String, prefix: String) {
        self.client = client
        self.bucket = bucket
        var p = prefix
        while p.hasPrefix("/") { p.removeFirst() }
        while p.hasSuffix("/") { p.removeLast() }
        self.prefix = p
    }

    package var description: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)") }

    func objectKey(_ key: String) throws -> String {
        try ObjectStoreError.validate(key)
        return prefix.isEmpty ? key : prefix + "/" + key
    }

    func storeKey(_ objectKey: String) -> String {
        prefix.isEmpty ? objectKey : String(objectKey.dropFirst(prefix.count + 1))
    }

    static func contentType(_ key: String) -> String {
        if key.hasSuffix(".json") { return "application/json" }
        if key.hasSuffix(".gz") { return "application/gzip" }
        if key.hasSuffix(".parquet") { return "application/vnd.apache.parquet" }
        return "application/octet-stream"
    }

    @discardableResult
    func putFile(_ localPath: String, key: String) async throws -> ObjectMeta {
        let full = try objectKey(key)
        let etag = try await client.uploadFile(bucket: bucket, key: full, path: localPath, contentType: Self.contentType(key))
        // The size is the local file's (the upload is all or nothing); only a store that sends no ETag costs a HEAD.
        if !etag.isEmpty, let size = FileSystem.fileSize(localPath) { return ObjectMeta(key: key, size: size, etag: etag) }
        guard let meta = try await head(key) else {
            throw S3Error.service(
                status: 404, code: "NoSuchKey", message: "the object is missing right after its upload", bucket: bucket,
                key: full, requestID: nil)
        }
        return meta
    }

    @discardableResult
    package func put(_ bytes: [UInt8], key: String, mode: PutMode) async throws -> ObjectMeta {
        let full = try objectKey(key)
        let condition: S3Client.Condition
        switch mode {
        case .overwrite: condition = .none
        case .create: condition = .ifNoneMatch
        case .update(let etag): condition = .ifMatch(etag)
        }
        do {
            let etag = try await client.putObject(
                bucket: bucket, key: full, body: bytes, condition: condition, contentType: Self.contentType(key))
            return ObjectMeta(key: key, size: bytes.count, etag: etag)
        } catch .preconditionFailed {
            throw ObjectStoreError.preconditionFailed(store: description, key: key)
        }
    }

    package func get(_ key: String) async throws -> (bytes: [UInt8], meta: ObjectMeta)? {
        guard let got = try await client.getObject(bucket: bucket, key: try objectKey(key)) else { return nil }
        return (got.body, ObjectMeta(key: key, size: got.body.count, etag: got.etag))
    }

    package func download(_ key: String, to localPath: String) async throws -> ObjectMeta? {
        guard let etag = try await client.downloadObject(bucket: bucket, key: try objectKey(key), to: localPath) else {
            return nil
        }
        return ObjectMeta(key: key, size: FileSystem.fileSize(localPath) ?? 0, etag: etag)
    }

    package func head(_ key: String) async throws -> ObjectMeta? {
        guard let info = try await client.headObject(bucket: bucket, key: try objectKey(key)) else { return nil }
        return ObjectMeta(key: key, size: info.size, etag: info.etag)
    }

    package func list(prefix keyPrefix: String) async throws -> [ObjectMeta] {
        let full = prefix.isEmpty ? keyPrefix : prefix + "/" + keyPrefix
        return try await client.listObjects(bucket: bucket, prefix: full).map {
            ObjectMeta(key: storeKey($0.key), size: $0.size, etag: $0.etag)
        }
        .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    package func delete(_ key: String) async throws {
        try await client.deleteObject(bucket: bucket, key: try objectKey(key))
    }

    package func childNames() async throws -> [String] {
        let full = prefix.isEmpty ? "" : prefix + "/"
        return try await client.listCommonPrefixes(bucket: bucket, prefix: full).compactMap { common in
            let name = String(common.dropFirst(full.count).dropLast())
            return name.isEmpty || name.hasPrefix(".") || name.contains("/") ? nil : name
        }
        .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    package func child(_ name: String) throws -> any ObjectStore {
        S3ObjectStore(client: client, bucket: bucket, prefix: try objectKey(name))
    }

    package var requestsSent: Int? { client.requestsSent }
}
