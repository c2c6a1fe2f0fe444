using Lifecycle.Attribution;
using Lifecycle.Dashboard.Tables;
using Lifecycle.Storage;

namespace Lifecycle.Dashboard.Views;

public sealed record AttributionModelView(DateOnly Month, string Conversion, DateTime ComputedAt, DataTable Conversions, DataTable Revenue);

/// <summary>The attribution page: every model of Attribution/ over the month, side by side per channel (credited conversions and revenue).</summary>
public static class AttributionTables
{
    public const string Page = "attribution";
    public static readonly string[] Conversions = ["won_deal", "opportunity", "mql"];

    public static async Task<AttributionModelView> LoadAsync(DashboardData data, IQueryCollection query)
    {
        var month = data.Month(query["month"]);
        var kind = SnakeCase.TryParseEnum<ConversionKind>(query["conversion"], out var parsed) ? parsed : ConversionKind.WonDeal;
        // The attribution API reads days as UTC midnights; the page asks the same way.
        var from = new DateTimeOffset(month.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var models = Enum.GetValues<AttributionModel>();
        // A snapshot at most minutes old (Attribution/AttributionSnapshots): fitting every model on a year of journeys takes seconds.
        var (reports, computedAt) = await AttributionSnapshots.GetAsync(data.Db,
            new AttributionQuery(models[0], kind, from, from.AddMonths(1), AttributionModels.DefaultHalfLife), models, data.Clock.GetUtcNow().UtcDateTime);
        var channels = reports.SelectMany(r => r.Channels.Select(c => c.Channel)).Distinct().Order(StringComparer.Ordinal).ToList();
        List<Column> Columns(ColumnKind kindOf) => [new("channel", "Channel"), .. models.Select(m => new Column(m.Name(), Title(m), kindOf))];
        List<Cell[]> Rows(Func<ChannelReport, object> value) => channels.Select(channel =>
            new Cell[] { new(channel) }.Concat(reports.Select(r => new Cell(r.Channels.FirstOrDefault(c => c.Channel == channel) is { } row ? value(row) : null))).ToArray()).ToList();
        return new AttributionModelView(month, SnakeCase.Of(kind.ToString()), computedAt,
            new DataTable("conversions", "Credited conversions by channel", Columns(ColumnKind.Number), Rows(c => c.Conversions)),
            new DataTable("revenue", "Credited revenue by channel", Columns(ColumnKind.Money), Rows(c => c.Revenue)));
    }

    public static async Task<IReadOnlyList<DataTable>> TablesAsync(DashboardData data, IQueryCollection query)
    {
        var m = await LoadAsync(data, query);
        return [m.Conversions, m.Revenue];
    }

    private static string Title(AttributionModel model) => model switch
    {
        AttributionModel.FirstTouch => "First touch",
        AttributionModel.LastTouch => "Last touch",
        AttributionModel.Linear => "Linear",
        AttributionModel.UShaped => "U-shaped",
        AttributionModel.WShaped => "W-shaped",
        AttributionModel.FullPath => "Full path",
        AttributionModel.TimeDecay => "Time decay",
        AttributionModel.Markov => "Markov",
        AttributionModel.Shapley => "Shapley",
        _ => "Shapley (rates)",
    };
}
