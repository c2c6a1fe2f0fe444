using Microsoft.Extensions.Configuration;

namespace Lifecycle.Email;

/// <summary>Configuration section <c>Lifecycle:Email</c>.</summary>
public sealed class EmailOptions
{
    public const string Section = "Lifecycle:Email";
    /// <summary>The one secret that signs every link the server hands out: e-mail links, double opt-in and NPS answers.</summary>
    public const string SigningKeySetting = "Lifecycle:SigningKey";

    public string? FromAddress { get; set; }
    public string? FromName { get; set; }
    /// <summary>The sender's postal address, printed in every message's footer (CAN-SPAM and the like).</summary>
    public string? PostalAddress { get; set; }
    /// <summary>Where recipients reach this server: the base of the open pixel, click and unsubscribe links.</summary>
    public string? PublicBaseUrl { get; set; }
    public string? SmtpHost { get; set; }
    public int SmtpPort { get; set; } = 25;
    public string? SmtpUser { get; set; }
    public string? SmtpPassword { get; set; }
    /// <summary>auto (STARTTLS when the server offers it), none, starttls, or ssl.</summary>
    public string SmtpSecurity { get; set; } = "auto";
    /// <summary>SMTP connections kept open and used in parallel.</summary>
    public int Connections { get; set; } = 4;
    /// <summary>Messages per second at most, over all connections of this process.</summary>
    public int RatePerSecond { get; set; } = 50;
    /// <summary>The secret that signs pixel, click and unsubscribe links: <see cref="SigningKeySetting"/>, not read from this section.</summary>
    public string? SigningKey { get; set; }
    /// <summary>The secret an ESP webhook must carry (?key=…) for its bounces and complaints to be believed.</summary>
    public string? WebhookKey { get; set; }
    /// <summary>Messages one worker claims at a time: larger rounds send faster, and a worker that dies leaves at
    /// most this many accepted-but-unrecorded messages to be sent again.</summary>
    public int ClaimBatch { get; set; } = 200;
    /// <summary>Attempts before a temporarily failing message is given up as failed.</summary>
    public int MaxAttempts { get; set; } = 6;
    /// <summary>The wait before the first retry; each later retry waits twice as long.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>How often an idle worker looks for due messages (a send through the API wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><see cref="SigningKeySetting"/>; the former <c>Lifecycle:Email:SigningKey</c> is still read when it is absent.</summary>
    public static string? ConfiguredSigningKey(IConfiguration configuration) =>
        configuration[SigningKeySetting] is { Length: > 0 } key ? key : configuration[Section + ":SigningKey"] is { Length: > 0 } old ? old : null;

    /// <summary>The settings missing for messages to be composed (links signed, footer filled), by full name; empty when ready.</summary>
    public IEnumerable<string> MissingForComposing()
    {
        if (string.IsNullOrWhiteSpace(FromAddress)) yield return Section + ":FromAddress";
        if (string.IsNullOrWhiteSpace(PostalAddress)) yield return Section + ":PostalAddress";
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out _)) yield return Section + ":PublicBaseUrl";
        if (string.IsNullOrWhiteSpace(SigningKey)) yield return SigningKeySetting;
    }

    public bool CanDeliver => !string.IsNullOrWhiteSpace(SmtpHost) && !MissingForComposing().Any();
}
