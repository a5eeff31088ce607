import Foundation
import KB4EventsTestSupport
import Testing

@testable import KB4EventsNet

/// A client with its own `HTTPClients` (shut down by the test), direct, with the given limits.
func makeClient(
    environment: [String: String] = [:], connectTimeout: Double = 5, readTimeout: Double = 30, deadline: Double = 60,
    extraCABundle: String? = nil
) throws -> (NetClient, HTTPClients) {
    let clients = HTTPClients()
    let client = try NetClient(
        settings: NetSettings(
            connectTimeout: connectTimeout, readTimeout: readTimeout, deadline: deadline,
            extraCABundle: extraCABundle, hostHint: "the test URL"),
        environment: environment, clients: clients)
    return (client, clients)
}

func failure(_ body: () async throws(NetFailure) -> NetResponse) async -> NetFailure? {
    do throws(NetFailure) {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}

@Suite("NetClient against loopback servers")
struct NetClientTests {
    @Test("GET over IPv4: status, lower-cased headers, body")
    func plainGet() async throws {
        try await withServer { server, client in
            let response = try await client.execute(NetRequest(method: "GET", url: server.url("/ok")))
            #expect(response.status == 200)
            #expect(response.headers["x-test"] == "yes")
            #expect(String(decoding: response.body, as: UTF8.self) == "ok")
        }
    }

    @Test("GET over IPv6: http://[::1]:PORT")
    func ipv6() async throws {
        try await withServer(host: "::1") { server, client in
            #expect(server.url("/ok").hasPrefix("http://[::1]:"))
            let response = try await client.execute(NetRequest(method: "GET", url: server.url("/ok")))
            #expect(response.status == 200)
            #expect(server.requests == ["GET /ok"])
        }
    }

    @Test("A redirect is returned as it came, not followed")
    func redirectNotFollowed() async throws {
        try await withServer { server, client in
            let response = try await client.execute(NetRequest(method: "GET", url: server.url("/redirect")))
            #expect(response.status == 307)
            #expect(response.headers["location"] == "http://elsewhere.invalid/x")
        }
    }

    @Test("A refused port: cannot connect to 127.0.0.1:PORT: connection refused")
    func refused() async throws {
        let port = try await freePort()
        let (client, clients) = try makeClient()
        let error = await failure { () async throws(NetFailure) in
            try await client.execute(NetRequest(method: "GET", url: "http://127.0.0.1:\(port)/x"))
        }
        #expect(error?.code == "connect")
        #expect(error?.message == "cannot connect to 127.0.0.1:\(port): connection refused")
        await clients.shutdown()
    }

    @Test("An unresolvable host: host not found, naming it and what to check")
    func hostNotFound() async throws {
        let (client, clients) = try makeClient()
        let error = await failure { () async throws(NetFailure) in
            try await client.execute(NetRequest(method: "GET", url: "http://no-such-host.invalid:8080/x"))
        }
        #expect(error?.code == "connect")
        #expect(error?.message.hasPrefix("host not found: no-such-host.invalid (") == true)
        #expect(error?.message.contains("check the test URL and the resolver") == true)
        await clients.shutdown()
    }

    @Test("A server closing mid-body: bad or cut-off response")
    func cutMidBody() async throws {
        try await withServer { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(NetRequest(method: "GET", url: server.url("/cut")))
            }
            #expect(error?.code == "truncated")
            #expect(error?.message == "bad or cut-off response from 127.0.0.1:\(server.port)")
        }
    }

    @Test("No answer within the idle read timeout: timed out after N s")
    func readTimeout() async throws {
        try await withServer(client: { try makeClient(readTimeout: 1) }) { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(NetRequest(method: "GET", url: server.url("/stall")))
            }
            #expect(error?.code == "timeout")
            #expect(error?.message == "no answer from 127.0.0.1:\(server.port): timed out after 1 s")
        }
    }

    @Test("The whole-request deadline ends a request the read timeout would let wait")
    func deadline() async throws {
        try await withServer(client: { try makeClient(readTimeout: 600) }) { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(NetRequest(method: "GET", url: server.url("/stall")), deadline: 1)
            }
            #expect(error?.code == "timeout")
            #expect(error?.message == "no answer from 127.0.0.1:\(server.port): timed out after 1 s")
            await server.waitForStalledClosed()
        }
    }

    @Test("Cancelling the task cancels its request: the caller gets `cancelled`, the server sees the connection close")
    func cancellation() async throws {
        let server = try await TestServer.start()
        // Read timeout and deadline far beyond any test run: only the cancellation can end this request.
        let (client, clients) = try makeClient(readTimeout: 3600, deadline: 3600)
        let task = Task { () async -> Result<NetResponse, NetFailure> in
            do throws(NetFailure) {
                return .success(try await client.execute(NetRequest(method: "GET", url: server.url("/stall"))))
            } catch {
                return .failure(error)
            }
        }
        await server.waitForStalled()
        task.cancel()
        let result = await task.value
        guard case .failure(let error) = result else {
            Issue.record("a stalled request answered")
            return
        }
        #expect(error.code == "cancelled")
        #expect(!error.isTransient)
        await server.waitForStalledClosed()
        #expect(server.stalledClosed == 1)
        // The client still works after a cancelled request.
        let response = try await client.execute(NetRequest(method: "GET", url: server.url("/ok")))
        #expect(response.status == 200)
        await clients.shutdown()
        await server.stop()
    }

    @Test("After shutdown a request fails with a sentence, not a crash")
    func afterShutdown() async throws {
        let server = try await TestServer.start()
        let (client, clients) = try makeClient()
        _ = try await client.execute(NetRequest(method: "GET", url: server.url("/ok")))
        #expect(clients.count == 1)
        await clients.shutdown()
        await clients.shutdown()
        let error = await failure { () async throws(NetFailure) in
            try await client.execute(NetRequest(method: "GET", url: server.url("/ok")))
        }
        #expect(error?.code == "other")
        await server.stop()
    }

    @Test("Many requests in flight share one client and at most 8 connections per host")
    func manyInFlight() async throws {
        let server = try await TestServer.start()
        let (client, clients) = try makeClient()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<32 {
                group.addTask { try await client.execute(NetRequest(method: "GET", url: server.url("/ok"))).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(clients.count == 1)
        #expect(server.requests.count == 32)
        await clients.shutdown()
        await server.stop()
    }
}

@Suite("Streaming bodies up and down", .serialized)
struct StreamingTests {
    static let size = 50 * 1024 * 1024

    @Test("A 50 MB file is uploaded from disk (the server counts every byte) and memory stays flat")
    func uploadFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = dir.path + "/upload.bin"
        try Pattern.writeFile(file, size: Self.size)
        let server = try await TestServer.start()
        // The bytes, not the time or the memory: a debug build sharing two cores with the whole suite can take more
        // than a minute for 50 MB, and the process's peak RSS moves with every test running beside this one (the
        // memory of a streamed upload and download is measured alone: docs/NETWORK.md).
        let (client, clients) = try makeClient(readTimeout: 600, deadline: 1200)
        let response = try await client.execute(
            NetRequest(method: "PUT", url: server.url("/count"), body: .file(path: file, length: Int64(Self.size))))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "\(Self.size)")
        await clients.shutdown()
        await server.stop()
    }

    @Test("A byte range of a file is what is sent (a multipart part without a copy)")
    func uploadRange() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = dir.path + "/range.bin"
        try Pattern.writeFile(file, size: 3_000_000)
        let server = try await TestServer.start()
        // The bytes, not the time or the memory: a debug build sharing two cores with the whole suite can take more
        // than a minute for 50 MB, and the process's peak RSS moves with every test running beside this one (the
        // memory of a streamed upload and download is measured alone: docs/NETWORK.md).
        let (client, clients) = try makeClient(readTimeout: 600, deadline: 1200)
        let offset = 1_234_567
        let length = 1_000_003
        let response = try await client.execute(
            NetRequest(
                method: "PUT", url: server.url("/count-hash"),
                body: .file(path: file, offset: Int64(offset), length: Int64(length))))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in offset..<(offset + length) { hash = (hash ^ UInt64(i % 251)) &* 0x100_0000_01b3 }
        #expect(String(decoding: response.body, as: UTF8.self) == "\(length) \(hash)")
        await clients.shutdown()
        await server.stop()
    }

    @Test("A file shorter than the declared length fails the request with a sentence")
    func shortFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let file = dir.path + "/short.bin"
        try Pattern.writeFile(file, size: 1000)
        try await withServer { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(
                    NetRequest(method: "PUT", url: server.url("/count"), body: .file(path: file, length: 5000)))
            }
            #expect(error != nil)
        }
    }

    @Test("A 50 MB answer is written to a file as it arrives, and memory stays flat")
    func downloadToFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let target = dir.path + "/download.bin"
        try await withServer(client: { try makeClient(readTimeout: 600, deadline: 1200) }) { server, client in
            let response = try await client.execute(
                NetRequest(method: "GET", url: server.url("/bytes/\(Self.size)")), downloadTo: target)
            #expect(response.status == 200)
            #expect(response.downloadedBytes == Int64(Self.size))
            #expect(response.body.isEmpty)
            let attributes = try FileManager.default.attributesOfItem(atPath: target)
            #expect((attributes[.size] as? Int) == Self.size)
            let handle = try #require(FileHandle(forReadingAtPath: target))
            for position in [0, 65535, 65536, 12_345_678, Self.size - 1] {
                try handle.seek(toOffset: UInt64(position))
                let byte = try handle.read(upToCount: 1)
                #expect(byte == Data([UInt8(position % 251)]))
            }
            try handle.close()
        }
    }

    @Test("A non-2xx answer to a download stays in memory and no file is made")
    func downloadError() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let target = dir.path + "/never.bin"
        try await withServer { server, client in
            let response = try await client.execute(
                NetRequest(method: "GET", url: server.url("/missing")), downloadTo: target)
            #expect(response.status == 404)
            #expect(String(decoding: response.body, as: UTF8.self) == "<Error>no such key</Error>")
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }

    @Test("A download cut mid-body fails as truncated and leaves no partial file")
    func downloadCut() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let target = dir.path + "/cut.bin"
        try await withServer { server, client in
            let error = await failure { () async throws(NetFailure) in
                try await client.execute(NetRequest(method: "GET", url: server.url("/cut")), downloadTo: target)
            }
            #expect(error?.code == "truncated")
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }
}
