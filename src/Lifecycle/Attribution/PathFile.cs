using System.Globalization;

namespace Lifecycle.Attribution;

public sealed class PathFileException(int line, string reason) : Exception($"line {line}: {reason}")
{
    public int Line { get; } = line;
    public string Reason { get; } = reason;
}

/// <summary>
/// Reads the path format analysts exchange (the ChannelAttribution package's): a header
/// <c>path;total_conversions;total_conversion_value;total_null</c>, then one path a line with channels joined by
/// <c>&gt;</c> (spaces around them trimmed). Repeated path strings are kept as separate rows; the models add them.
/// </summary>
public static class PathFile
{
    public const string Header = "path;total_conversions;total_conversion_value;total_null";

    public static List<PathCount> Read(TextReader reader)
    {
        var header = reader.ReadLine();
        if (header is null) throw new PathFileException(1, $"the file is empty; expected the header {Header}");
        if (header.TrimStart('\uFEFF').Trim() != Header) throw new PathFileException(1, $"expected the header {Header}, found '{header}'");
        var paths = new List<PathCount>();
        var number = 1;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0) continue;
            var fields = line.Split(';');
            if (fields.Length != 4) throw new PathFileException(number, $"expected 4 fields separated by ';', found {fields.Length}");
            var channels = fields[0].Split('>', StringSplitOptions.TrimEntries);
            if (channels.Length == 1 && channels[0].Length == 0) channels = [];
            else if (channels.Any(c => c.Length == 0)) throw new PathFileException(number, "path: a channel name is empty");
            paths.Add(new PathCount(channels,
                Count(fields[1], "total_conversions", number),
                Count(fields[2], "total_conversion_value", number),
                Count(fields[3], "total_null", number)));
        }
        return paths;
    }

    private static double Count(string text, string column, int line)
    {
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new PathFileException(line, $"{column}: '{text}' is not a number");
        if (value < 0) throw new PathFileException(line, $"{column}: {text} is negative");
        return value;
    }
}
