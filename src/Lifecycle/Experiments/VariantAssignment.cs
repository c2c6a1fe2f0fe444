using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Lifecycle.Experiments;

/// <summary>
/// Deterministic assignment (lifecycle.md §7): the same contact in the same test always lands in the same
/// place, on every machine and in every process, because the bucket comes from SHA-256 of the test id and the
/// contact id (never string.GetHashCode, which is randomised per process). Pure.
/// </summary>
public static class VariantAssignment
{
    /// <summary>A number in [0, 1) from the first 53 bits of SHA-256(test id, "\n", contact id, "\n", purpose).</summary>
    public static double Bucket(string testId, string contactId, string purpose = "variant")
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{testId}\n{contactId}\n{purpose}"), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>The index of the contact's variant, with the given relative weights (e.g. [1, 1] for an even split).</summary>
    public static int Assign(string testId, string contactId, IReadOnlyList<double> weights)
    {
        if (weights.Count == 0 || weights.Any(w => w < 0 || !double.IsFinite(w)) || weights.Sum() <= 0)
            throw new ArgumentException("weights must be finite, non-negative and not all zero", nameof(weights));
        var point = Bucket(testId, contactId) * weights.Sum();
        var cumulative = 0.0;
        for (var i = 0; i < weights.Count; i++)
        {
            cumulative += weights[i];
            if (point < cumulative) return i;
        }
        // Rounding can leave the point at the very end: it belongs to the last variant with any weight.
        for (var i = weights.Count - 1; ; i--) if (weights[i] > 0) return i;
    }

    /// <summary>Whether the contact is in the test sample (sent first) when a fraction of the audience is tested before the rest.</summary>
    public static bool InSample(string testId, string contactId, double sampleFraction) =>
        Bucket(testId, contactId, "sample") < sampleFraction;
}
