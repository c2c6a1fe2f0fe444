using Lifecycle.Reports;
using SkiaSharp;

namespace Lifecycle.Tests.Reports;

/// <summary>The pure chart renderer, checked on the decoded PNG: its size, that it is drawn, and where the bars and lines are.</summary>
public class ReportChartsTests
{
    [Fact]
    public void Bars_are_a_png_of_the_chart_size_with_heights_in_proportion_to_the_numbers()
    {
        var png = ReportCharts.Bars("Funnel", [("inquiry", 40), ("lead", 20), ("mql", 10), ("customer", 0)]);

        using var image = Decode(png);
        Assert.True(DrawnPixels(image) > image.Width * image.Height / 50, "the chart is blank");
        var bars = BarHeights(image, ReportCharts.BarColor);
        // Three bars drawn (the customer bar is 0, so it has no height), left to right as given;
        // 40 : 20 : 10, so the first is twice the second and four times the third (± 2 px of edge smoothing).
        Assert.Equal(3, bars.Count);
        Assert.True(bars[0] > bars[1] && bars[1] > bars[2], $"heights {string.Join(", ", bars)}");
        Assert.InRange(bars[0], 2 * bars[1] - 2, 2 * bars[1] + 2);
        Assert.InRange(bars[0], 4 * bars[2] - 3, 4 * bars[2] + 3);
    }

    [Fact]
    public void A_reference_line_is_drawn_at_its_value()
    {
        // Attainment 50 % and 100 % against the 100 % line: the line is level with the top of the second bar.
        using var image = Decode(ReportCharts.Bars("Targets", [("nurture.mqls", 50), ("capture.inquiries", 100)], reference: 100));
        var bars = BarHeights(image, ReportCharts.BarColor);
        Assert.Equal(2, bars.Count);
        Assert.InRange(bars[1], 2 * bars[0] - 2, 2 * bars[0] + 2);
        var (lineRow, barTop) = (TopRow(image, ReportCharts.ReferenceColor), TopOfBars(image, ReportCharts.BarColor)[1]);
        Assert.InRange(lineRow, barTop - 3, barTop + 3);
    }

    [Fact]
    public void Lines_are_ordered_and_spaced_as_their_values()
    {
        var months = Enumerable.Range(1, 12).Select(m => $"2025-{m:00}").ToList();
        IReadOnlyList<double> Constant(double value) => Enumerable.Repeat(value, 12).ToList();
        using var image = Decode(ReportCharts.Lines("Trend", months, [("new leads", Constant(30)), ("mqls", Constant(20)), ("sqls", Constant(10))]));

        Assert.Equal((ReportCharts.Width, ReportCharts.Height), (image.Width, image.Height));
        // In the middle column each line is level: 30 above 20 above 10, and 20 lies halfway between them (the y axis is linear).
        var column = image.Width / 2;
        var (leads, mqls, sqls) = (TopRow(image, ReportCharts.SeriesColors[0], column), TopRow(image, ReportCharts.SeriesColors[1], column),
            TopRow(image, ReportCharts.SeriesColors[2], column));
        Assert.True(leads < mqls && mqls < sqls, $"rows {leads}, {mqls}, {sqls}");
        Assert.InRange(mqls - leads, sqls - mqls - 2, sqls - mqls + 2);
    }

    [Fact]
    public void Japanese_and_Korean_labels_take_the_CJK_font_and_Latin_ones_the_Latin_font()
    {
        // test.sh installs fonts-noto-cjk and DejaVu is Debian's base font, so both are there.
        Assert.Equal("DejaVu Sans", ReportCharts.FontFor(["campaña de primavera", "2026-01"], ReportCharts.Families));
        Assert.Equal(ReportCharts.CjkFont, ReportCharts.FontFor(["campaña", "春のキャンペーン"], ReportCharts.Families));
        Assert.Equal(ReportCharts.CjkFont, ReportCharts.FontFor(["봄 캠페인"], ReportCharts.Families));

        using var image = Decode(ReportCharts.Bars("リード 리드 señal", [("春のキャンペーン", 3), ("봄 캠페인", 2), ("campaña", 1)]));
        Assert.Equal(3, BarHeights(image, ReportCharts.BarColor).Count);
    }

    [Fact]
    public void Without_a_font_that_has_the_glyphs_the_chart_is_still_drawn()
    {
        // No CJK font: the first installed family draws the text (boxes for the missing glyphs); none installed: ScottPlot's default.
        Assert.Equal("DejaVu Sans", ReportCharts.FontFor(["春"], ["No Such Font 7f3a", "DejaVu Sans"]));
        Assert.Equal(ScottPlot.Fonts.Default, ReportCharts.FontFor(["春"], ["No Such Font 7f3a"]));

        using var bars = Decode(ReportCharts.Bars("リード", [("春", 2), ("봄", 1)], null, ["No Such Font 7f3a"]));
        Assert.Equal(2, BarHeights(bars, ReportCharts.BarColor).Count);
        using var lines = Decode(ReportCharts.Lines("リード", ["1月", "2月"], [("봄", [1, 2])], ["No Such Font 7f3a", "DejaVu Sans"]));
        Assert.True(DrawnPixels(lines) > 0);
    }

    private static SKBitmap Decode(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var image = SKBitmap.Decode(png);
        Assert.NotNull(image);
        Assert.Equal((ReportCharts.Width, ReportCharts.Height), (image.Width, image.Height));
        return image;
    }

    private static bool Is(SKColor pixel, ScottPlot.Color color) =>
        pixel.Red == color.R && pixel.Green == color.G && pixel.Blue == color.B;

    private static int DrawnPixels(SKBitmap image)
    {
        var drawn = 0;
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width; x++)
                if (!Is(image.GetPixel(x, y), ReportCharts.Background)) drawn++;
        return drawn;
    }

    /// <summary>The runs of columns holding the colour, left to right, each as (its middle column, the topmost and bottommost row there).</summary>
    private static List<(int Column, int Top, int Bottom)> Bars(SKBitmap image, ScottPlot.Color color)
    {
        var columns = Enumerable.Range(0, image.Width).Where(x => Enumerable.Range(0, image.Height).Any(y => Is(image.GetPixel(x, y), color))).ToList();
        var runs = new List<List<int>>();
        foreach (var x in columns)
        {
            if (runs.Count > 0 && runs[^1][^1] == x - 1) runs[^1].Add(x);
            else runs.Add([x]);
        }
        return runs.Select(run => run[run.Count / 2]).Select(x =>
        {
            var rows = Enumerable.Range(0, image.Height).Where(y => Is(image.GetPixel(x, y), color)).ToList();
            return (x, rows.Min(), rows.Max());
        }).ToList();
    }

    private static List<int> BarHeights(SKBitmap image, ScottPlot.Color color) => Bars(image, color).Select(b => b.Bottom - b.Top + 1).ToList();

    private static List<int> TopOfBars(SKBitmap image, ScottPlot.Color color) => Bars(image, color).Select(b => b.Top).ToList();

    private static int TopRow(SKBitmap image, ScottPlot.Color color, int? column = null)
    {
        for (var y = 0; y < image.Height; y++)
            for (var x = column ?? 0; x <= (column ?? image.Width - 1); x++)
                if (Is(image.GetPixel(x, y), color)) return y;
        throw new Xunit.Sdk.XunitException($"no pixel of {color} {(column is { } c ? $"in column {c}" : "")}");
    }
}
