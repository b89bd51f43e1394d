namespace AgentGateway.CallPathBench;

/// <summary>Percentiles by nearest rank: the smallest value with at least p % of the values at or below it.</summary>
public static class Percentile
{
    public static double NearestRank(IReadOnlyCollection<double> values, double percent)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Max(rank, 1) - 1];
    }

    public static double Median(IReadOnlyCollection<double> values) => NearestRank(values, 50);

    public static double P95(IReadOnlyCollection<double> values) => NearestRank(values, 95);
}
