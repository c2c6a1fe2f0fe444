namespace Lifecycle.Access;

public enum ApiKeyKind { Write, Secret }

/// <summary>A key is shown once; only its SHA-256 hash is stored. The prefix identifies it in lists and logs.</summary>
public sealed class ApiKey
{
    public long Id { get; set; }
    public ApiKeyKind Kind { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required string Hash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}
