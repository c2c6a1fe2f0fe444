using Lifecycle.Attribution;

namespace Lifecycle.Tests.Attribution;

public class PathFileTests
{
    private static List<PathCount> Read(string text) => PathFile.Read(new StringReader(text));

    [Fact]
    public void Reads_paths_trimming_the_spaces_around_channels_and_keeps_repeated_paths_as_rows()
    {
        var paths = Read("path;total_conversions;total_conversion_value;total_null\neta > iota > alpha > eta;1;0.244;3\nbeta;0;0;2\nbeta;1;2.5;0\n");
        Assert.Equal(3, paths.Count);
        Assert.Equal(["eta", "iota", "alpha", "eta"], paths[0].Channels);
        Assert.Equal((1, 0.244, 3), (paths[0].Conversions, paths[0].Value, paths[0].Nulls));
        // first_touch on them by hand: eta 1 conversion (0.244); beta 0 + 1 = 1 (2.5).
        var result = Attributor.RunOnPaths(AttributionModel.FirstTouch, paths);
        Assert.Equal([("beta", 1.0, 2.5), ("eta", 1.0, 0.244)], result.Channels.Select(c => (c.Channel, c.Conversions, c.Value)));
    }

    [Theory]
    [InlineData("path;conversions\n", 1, "expected the header")]
    [InlineData("path;total_conversions;total_conversion_value;total_null\na;1;2\n", 2, "expected 4 fields")]
    [InlineData("path;total_conversions;total_conversion_value;total_null\na;1;2;0\nb;x;2;0\n", 3, "total_conversions: 'x' is not a number")]
    [InlineData("path;total_conversions;total_conversion_value;total_null\na > > b;1;2;0\n", 2, "a channel name is empty")]
    [InlineData("path;total_conversions;total_conversion_value;total_null\na;1;2;-1\n", 2, "total_null: -1 is negative")]
    public void A_bad_line_is_reported_with_its_number_and_reason(string text, int line, string reason)
    {
        var error = Assert.Throws<PathFileException>(() => Read(text));
        Assert.Equal(line, error.Line);
        Assert.Contains(reason, error.Reason);
    }
}
