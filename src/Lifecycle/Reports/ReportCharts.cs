using ScottPlot;
using SkiaSharp;

namespace Lifecycle.Reports;

/// <summary>
/// The report mail's charts as PNG images, pure (numbers in, bytes out), drawn with ScottPlot. A label in Japanese
/// or Korean (a campaign name, a localised title) is drawn in a font with CJK glyphs (Debian's fonts-noto-cjk);
/// where no such font is installed the chart is still drawn, in a fallback font.
/// </summary>
public static class ReportCharts
{
    public const int Width = 640;
    public const int Height = 320;
    /// <summary>The fonts tried for each text, in order: the first installed one with all of its glyphs draws it.
    /// ScottPlot places Latin fonts well; Noto CJK's tall line metrics misplace labels (ScottPlot issue 5213), so it
    /// draws only the texts that need it.</summary>
    public static readonly string[] Families = ["DejaVu Sans", CjkFont];
    public const string CjkFont = "Noto Sans CJK JP";
    public static readonly Color Background = Colors.White;
    public static readonly Color BarColor = Color.FromHex("#3b82f6");
    public static readonly Color ReferenceColor = Color.FromHex("#b91c1c");
    /// <summary>The colours of the line series, in order.</summary>
    public static readonly Color[] SeriesColors =
        [Color.FromHex("#2563eb"), Color.FromHex("#16a34a"), Color.FromHex("#ea580c"), Color.FromHex("#9333ea"), Color.FromHex("#0891b2")];

    /// <summary>One bar per label, value labels on top, the y axis from zero; an optional dashed reference line
    /// (the 100 % of a target).</summary>
    public static byte[] Bars(string title, IReadOnlyList<(string Label, double Value)> bars, double? reference = null) =>
        Bars(title, bars, reference, Families);

    internal static byte[] Bars(string title, IReadOnlyList<(string Label, double Value)> bars, double? reference, IReadOnlyList<string> families)
    {
        var plot = NewPlot(title, bars.Select(b => b.Label), families);
        var drawn = plot.Add.Bars(bars.Select((b, i) => new Bar
        {
            Position = i, Value = b.Value, FillColor = BarColor, LineWidth = 0, Label = Number(b.Value), CenterLabel = false,
        }).ToList());
        drawn.ValueLabelStyle.FontName = FontFor([Number(0)], families);
        drawn.ValueLabelStyle.FontSize = 12;
        if (reference is { } line) plot.Add.HorizontalLine(line, width: 2, color: ReferenceColor, pattern: LinePattern.Dashed);
        plot.Axes.Bottom.SetTicks(bars.Select((_, i) => (double)i).ToArray(), bars.Select(b => b.Label).ToArray());
        var top = Math.Max(1, Math.Max(bars.Count == 0 ? 0 : bars.Max(b => b.Value), reference ?? 0));
        // Room above the tallest bar for its value label.
        plot.Axes.SetLimits(-0.6, Math.Max(bars.Count, 1) - 0.4, 0, top * 1.15);
        return Png(plot);
    }

    /// <summary>One line per series over the same x labels (months), with markers and a legend below the chart.</summary>
    public static byte[] Lines(string title, IReadOnlyList<string> labels, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series) =>
        Lines(title, labels, series, Families);

    internal static byte[] Lines(string title, IReadOnlyList<string> labels, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, IReadOnlyList<string> families)
    {
        var plot = NewPlot(title, labels, families);
        var xs = labels.Select((_, i) => (double)i).ToArray();
        for (var s = 0; s < series.Count; s++)
        {
            var line = plot.Add.Scatter(xs, series[s].Values.ToArray(), SeriesColors[s % SeriesColors.Length]);
            line.LineWidth = 3;
            line.MarkerSize = 7;
            line.LegendText = series[s].Name;
        }
        plot.Axes.Bottom.SetTicks(xs, labels.ToArray());
        var top = Math.Max(1, series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        plot.Axes.SetLimits(-0.5, Math.Max(labels.Count, 1) - 0.5, 0, top * 1.1);
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.FontName = FontFor(series.Select(s => s.Name), families);
        return Png(plot);
    }

    /// <summary>The first installed family that has every glyph of the texts; else the first installed one (a missing
    /// glyph is drawn as a box), else ScottPlot's default, so drawing never fails for want of a font.</summary>
    internal static string FontFor(IEnumerable<string> texts, IReadOnlyList<string> families)
    {
        var text = string.Concat(texts);
        string? installed = null;
        foreach (var family in families)
        {
            using var typeface = SKFontManager.Default.MatchFamily(family);
            if (typeface is null || typeface.FamilyName != family) continue;
            installed ??= family;
            using var font = new SKFont(typeface);
            if (font.ContainsGlyphs(text)) return family;
        }
        return installed ?? Fonts.Default;
    }

    private static Plot NewPlot(string title, IEnumerable<string> tickLabels, IReadOnlyList<string> families)
    {
        var plot = new Plot();
        plot.FigureBackground.Color = Background;
        plot.DataBackground.Color = Background;
        plot.Title(title, size: 16);
        plot.Axes.Title.Label.FontName = FontFor([title], families);
        plot.Axes.Bottom.TickLabelStyle.FontName = FontFor(tickLabels, families);
        // No tick marks under categories; an invisible one moves the labels off the axis, which CJK labels would touch.
        plot.Axes.Bottom.MajorTickStyle.Length = 8;
        plot.Axes.Bottom.MajorTickStyle.Color = Colors.Transparent;
        plot.Axes.Left.TickLabelStyle.FontName = FontFor([Number(0)], families);
        plot.Grid.XAxisStyle.IsVisible = false;
        return plot;
    }

    private static byte[] Png(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);

    private static string Number(double value) => value.ToString("#,0.##", System.Globalization.CultureInfo.InvariantCulture);
}
