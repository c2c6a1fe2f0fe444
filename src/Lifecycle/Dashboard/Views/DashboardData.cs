using System.Globalization;
using Lifecycle.Reports;
using Lifecycle.Server;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Dashboard.Views;

/// <summary>
/// What a page's loader needs: a database context and the workspace's report settings. A component nested in a
/// page passes its own context (<paramref name="db"/>): it loads while the page may still be loading.
/// </summary>
public sealed class DashboardData(IServiceProvider services, LifecycleDb? db = null)
{
    public LifecycleDb Db { get; } = db ?? services.GetRequiredService<LifecycleDb>();
    public TimeProvider Clock { get; } = services.GetRequiredService<TimeProvider>();
    public Workspace Workspace { get; } = services.GetRequiredService<Workspace>();
    public ReportSettings Settings { get; } = LifecycleReports.SettingsFrom(services.GetRequiredService<IConfiguration>());

    public LifecycleReports Reports() => new(Db, Clock, services.GetRequiredService<ChannelMapping>(), Settings);

    public ChannelMapping Channels => services.GetRequiredService<ChannelMapping>();

    /// <summary>The month in ?month=YYYY-MM, else this month in the workspace time zone.</summary>
    public DateOnly Month(string? text)
    {
        if (DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var chosen)) return chosen;
        var today = DateOnly.FromDateTime(Workspace.Local(Clock.GetUtcNow().UtcDateTime));
        return new DateOnly(today.Year, today.Month, 1);
    }

    public ReportPeriod MonthPeriod(DateOnly month) => new(month, month.AddMonths(1), Settings.Zone);

    /// <summary>The twelve months ending with the given one.</summary>
    public ReportPeriod TwelveMonths(DateOnly month) => new(month.AddMonths(-11), month.AddMonths(1), Settings.Zone);

    public static string MonthText(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
