using System.Globalization;

namespace AgentGateway.Engine.Concurrency;

/// <summary>
/// Where an <see cref="OrderedWindow{TInput, TResult}"/> stands, as one progress line: how many were taken, of how many
/// once the total is known (every input read), how many are in flight and how many failed.
/// </summary>
/// <param name="Taken">Items taken so far.</param>
/// <param name="InFlight">Items started and not yet taken.</param>
/// <param name="Failed">Items taken that failed.</param>
/// <param name="Total">How many items there are in all; null while input is still being read.</param>
internal readonly record struct WindowProgress(long Taken, int InFlight, long Failed, long? Total)
{
    /// <summary>"3 of 20 done, 0 failed" once the total is known; "3 done, 4 in flight, 0 failed" before.</summary>
    public string Status => Total is { } total
        ? string.Create(CultureInfo.InvariantCulture, $"{Taken} of {total} done, {Failed} failed")
        : string.Create(CultureInfo.InvariantCulture, $"{Taken} done, {InFlight} in flight, {Failed} failed");

    /// <summary>The share taken (0-100) once the total is known and above 0; null otherwise.</summary>
    public int? PercentComplete => Total is > 0 and var total ? (int)Math.Clamp(Taken * 100 / total, 0, 100) : null;
}
