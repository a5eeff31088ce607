package import KB4EventsCore
import KB4EventsS3

/// Turns file-system and gzip failures into output errors that name the day.
func withLoadErrors<T>(_ day: Day?, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as FileError {
        throw PipelineError(stage: .load, category: .output, code: "write", message: "\(error)", day: day)
    } catch let error as GzipError {
        throw PipelineError(stage: .load, category: .output, code: "gzip", message: "\(error)", day: day)
    }
}

/// Turns store failures into pipeline errors that name the day: a configuration that cannot work (S3
/// `AccessDenied`, a missing bucket, a wrong region or secret: exit 78), another writer first (exit 75), anything
/// else an output error (exit 73).
func withStoreErrors<T>(_ day: Day?, stage: PipelineError.Stage = .load, _ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch {
        throw PipelineError.store(error, day: day, stage: stage)
    }
}

extension PipelineError {
    /// Whether `error` is a failure of a lake's store (its file system or bucket), which `store(_:)` classifies.
    static func isStoreFailure(_ error: any Error) -> Bool {
        error is S3Error || error is ObjectStoreError || error is FileError || error is GzipError
    }

    /// A store's failure as a pipeline error (a `PipelineError` stays what it is).
    package static func store(_ error: any Error, day: Day? = nil, stage: Stage = .load) -> PipelineError {
        switch error {
        case let error as PipelineError: return error
        case let error as GzipError:
            return PipelineError(stage: stage, category: .output, code: "gzip", message: "\(error)", day: day)
        case let error as ObjectStoreError:
            if case .preconditionFailed = error {
                return PipelineError(stage: stage, category: .temporary, code: "conflict", message: "\(error)", day: day)
            }
            return PipelineError(stage: stage, category: .output, code: "write", message: "\(error)", day: day)
        case let error as S3Error where error.isConfiguration:
            return PipelineError(stage: stage, category: .configuration, code: "store", message: "\(error)", day: day)
        default:
            return PipelineError(stage: stage, category: .output, code: "write", message: "\(error)", day: day)
        }
    }
}
