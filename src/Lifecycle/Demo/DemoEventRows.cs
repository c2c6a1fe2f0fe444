using Lifecycle.Interchange;
using Lifecycle.Tracking;

namespace Lifecycle.Demo;

/// <summary>
/// A generated event line read by the import's own reader (checks, event name, timestamp, contact resolution), for a
/// loader that writes the demo dataset without a folder (Lifecycle.Bench seed) and must store the rows
/// `lifecycle import` stores.
/// </summary>
public static class DemoEventRows
{
    /// <param name="contactIds">Every stored contact's id, and <paramref name="contactsByEmail"/> every stored e-mail's
    /// contact, as the import loads them before reading events.</param>
    public static EventRow Read(string line, int lineNumber, DateTime receivedAt, HashSet<string> contactIds, Dictionary<string, string> contactsByEmail) =>
        EventLine.Parse(line, lineNumber, receivedAt, contactIds, contactsByEmail);
}
