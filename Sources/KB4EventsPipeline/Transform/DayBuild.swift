import KB4EventsAPI
import KB4EventsS3
import Logging
import KB4EventsCore

/// Builds one UTC day's data file from pages: a streaming transform into a staged gzip file, and, when the
/// pages turn out to be out of order, a bounded-memory sort replayed from the pages staged on disk.
///
/// The pages come from one or more sources (`RawPages`): the API day itself, or, with a day-filter offset, the
/// two API days that overlap the UTC day, earliest first (events of the other UTC day are skipped). Shared by the
/// export (pages from the API, staged raw as they arrive) and by `rebuild` (pages from `_raw/`).
final class DayBuild {
    let day: Day
    private let settings: ExportSettings
    private let tag: String
    private let logger: Logger
    private let skipsOtherDays: Bool
    private var writer: any PartitionWriting
    private var transformer: DayTransformer
    private var sources: [RawPages] = []
    private(set) var ordered = true

    /// `inOrder` false: the pages come in another order than time (paged by id), so the day is only staged as
    /// it arrives and sorted from its raw pages at the end. `skipsOtherDays`: see `DayTransformer`.
    init(
        day: Day, settings: ExportSettings, tag: String, inOrder: Bool = true, skipsOtherDays: Bool = false,
        logger: Logger
    ) throws {
        self.day = day
        self.settings = settings
        self.tag = tag
        self.logger = logger
        self.ordered = inOrder
        self.skipsOtherDays = skipsOtherDays
        let writer = try withLoadErrors(day) { try makePartitionWriter(settings: settings, day: day, tempTag: tag) }
        self.writer = writer
        transformer = DayTransformer(day: day, mode: .streaming, skipsOtherDays: skipsOtherDays) { [writer] in
            try writer.write($0)
        }
    }

    /// Feeds one page of `source` in arrival order (ignored once the day is known to be out of order: it is
    /// replayed from the sources at the end).
    func add(_ page: EventsPage, from source: RawPages) throws {
        if !sources.contains(where: { $0.directory == source.directory }) { sources.append(source) }
        guard ordered else { return }
        do {
            for event in page.events { try transformer.add(event, page: page.page) }
        } catch is DayTransformer.OrderViolation {
            ordered = false
            logger.warning("the API broke ascending occurred_date order; sorting the day from its raw pages")
        }
    }

    /// Feeds every page staged in `source`, in page order.
    func replay(_ source: RawPages) throws {
        for number in source.pages {
            try add(try source.read(page: number, describe: "day \(day) raw page \(number)"), from: source)
        }
    }

    /// Forgets what came from `source` (its pages did not add up and it is fetched again): the day is then
    /// sorted from the remaining and the new sources at the end.
    func forget(_ source: RawPages) {
        sources.removeAll { $0.directory == source.directory }
        ordered = false
    }

    /// Finishes the file (replaying the sources sorted when needed) and returns what the day held.
    func finish() throws -> (DayTransformer.Summary, StagedPartition) {
        if !ordered {
            writer.abandon()
            let writer = try withLoadErrors(day) { try makePartitionWriter(settings: settings, day: day, tempTag: tag) }
            self.writer = writer
            let scratch = settings.lake.spill(day, tag: tag)
            transformer = DayTransformer(
                day: day, mode: .sorting(spillDirectory: scratch), skipsOtherDays: skipsOtherDays
            ) { [writer] in try writer.write($0) }
            for source in sources {
                for number in source.pages {
                    let page = try source.read(page: number, describe: "day \(day) page \(number)")
                    for event in page.events { try transformer.add(event, page: number) }
                }
            }
        }
        let summary = try transformer.finish()
        let staged = try withLoadErrors(day) { try writer.finish() }
        return (summary, staged)
    }

    /// Drops the staged file.
    func abandon() {
        writer.abandon()
    }
}
