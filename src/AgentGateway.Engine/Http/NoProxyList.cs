using System.Globalization;
using System.Net;

namespace AgentGateway.Engine.Http;

/// <summary>
/// The <c>NO_PROXY</c> rule as curl reads it: entries separated by commas (or spaces); <c>*</c> matches every host;
/// a host name matches itself and its subdomains (a leading <c>.</c> or <c>*.</c> is ignored); an IP address matches
/// itself, a CIDR block (<c>10.0.0.0/8</c>) the addresses in it; an entry with <c>:port</c> only that port.
/// </summary>
internal static class NoProxyList
{
    /// <summary>Whether <paramref name="list"/> exempts <paramref name="destination"/> from the proxy.</summary>
    public static bool Matches(string? list, Uri destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (string.IsNullOrWhiteSpace(list))
        {
            return false;
        }

        var host = destination.IdnHost.Trim('[', ']').TrimEnd('.');
        IPAddress.TryParse(host, out var address);
        foreach (var raw in list.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var entry = raw.Trim();
            if (entry == "*")
            {
                return true;
            }

            if (Split(entry) is not var (name, port) || (port is { } p && p != destination.Port))
            {
                continue;
            }

            if (address is not null)
            {
                if (IPNetwork.TryParse(name, out var network) ? network.Contains(address) : IPAddress.TryParse(name, out var other) && other.Equals(address))
                {
                    return true;
                }

                continue;
            }

            name = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name.TrimStart('.');
            name = name.TrimEnd('.');
            if (name.Length > 0 &&
                (host.Equals(name, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + name, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An entry as its host (or address, or block) and its port, if any.</summary>
    private static (string Name, int? Port)? Split(string entry)
    {
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }

            var inner = entry[1..close];
            var rest = entry[(close + 1)..];
            return rest.StartsWith(':') && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var p6) ? (inner, p6) : (inner, null);
        }

        var colon = entry.LastIndexOf(':');
        if (colon > 0 && entry.IndexOf(':', StringComparison.Ordinal) == colon &&
            int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return (entry[..colon], port);
        }

        // A bare IPv6 address (several colons) has no port.
        return (entry, null);
    }
}
