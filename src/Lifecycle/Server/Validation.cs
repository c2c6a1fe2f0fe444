using System.Globalization;
using System.Net.Mail;

namespace Lifecycle.Server;

/// <summary>Collects field errors for one request; the API answers them as RFC 7807 validation problems.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Ok => _errors.Count == 0;

    public IReadOnlyDictionary<string, List<string>> Errors => _errors;

    public void Add(string field, string reason)
    {
        if (!_errors.TryGetValue(field, out var reasons)) _errors[field] = reasons = [];
        reasons.Add(reason);
    }

    public string? Required(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) { Add(field, "required"); return null; }
        return value.Trim();
    }

    public string? Email(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var email = value.Trim();
        if (MailAddress.TryCreate(email, out var address) && address.Address == email && email.Contains('.')) return email.ToLowerInvariant();
        Add(field, $"'{value}' is not a valid email address");
        return null;
    }

    public void NotNegative(string field, decimal? value)
    {
        if (value < 0) Add(field, "must not be negative");
    }

    public TEnum? Enum<TEnum>(string field, string? value) where TEnum : struct, System.Enum
    {
        if (value is null) return null;
        if (Storage.SnakeCase.TryParseEnum<TEnum>(value, out var parsed)) return parsed;
        Add(field, $"'{value}' is not one of {string.Join(", ", System.Enum.GetValues<TEnum>().Select(v => Storage.SnakeCase.Of(v.ToString())))}");
        return null;
    }

    public DateOnly? Month(string field, string? value)
    {
        if (value is null) { Add(field, "required"); return null; }
        if (value.Length == 7 && DateOnly.TryParseExact(value + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)) return month;
        Add(field, $"'{value}' is not a month YYYY-MM");
        return null;
    }

    public IResult Problem() => TypedResults.ValidationProblem(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
        title: "The request has invalid fields");

    /// <summary>The same field problems as 422, for requests whose fields are well-formed but break a business rule.</summary>
    public IResult UnprocessableProblem() => Results.ValidationProblem(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
        statusCode: StatusCodes.Status422UnprocessableEntity, title: "The request breaks a business rule");

    public static IResult Conflict(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
    public static IResult NotFound(string what, string id) => TypedResults.Problem($"no {what} '{id}'", statusCode: StatusCodes.Status404NotFound, title: "Not found");
    public static IResult Unprocessable(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unprocessable");
}

/// <summary>Paging for list endpoints: limit (1–1000, default 50) and offset; results ordered by id.</summary>
public readonly record struct Paging(int? Limit, int? Offset)
{
    public int Take => Math.Clamp(Limit ?? 50, 1, 1000);
    public int Skip => Math.Max(0, Offset ?? 0);
}

public sealed record Page<T>(IReadOnlyList<T> Items, int Limit, int Offset, int Total);
