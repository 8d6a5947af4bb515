using System.Globalization;
using System.Text;
using SplitGuard.Core.Config;
using SplitGuard.Core.Tickets;
using SplitGuard.Protocol.Booth;

namespace SplitGuard.Daemon.Booth;

/// <summary>The text of booth's list and peers replies, in booth's format (times in local time).</summary>
public static class BoothText
{
    /// <summary>One line per ticket: <c>ticket: T, leader: ADDR|NONE|none[, expires: ...]</c>.</summary>
    public static string List(BoothConfig config, IEnumerable<TicketView> views, long nowMs, DateTimeOffset wallNow)
    {
        var sb = new StringBuilder();
        foreach (var v in views)
        {
            sb.Append("ticket: ").Append(v.Name).Append(", leader: ");
            if (v.Leader == BoothMessage.NoOne)
            {
                sb.Append(v.Revoked ? "none" : "NONE");
            }
            else
            {
                sb.Append(config.MemberById(v.Leader)?.Address.ToString() ?? v.Leader.ToString("x8", CultureInfo.InvariantCulture));
                if (v.Manual)
                {
                    sb.Append(", expires: INF");
                }
                else if (v.ExpiresAtMs is { } at)
                {
                    sb.Append(", expires: ").Append(Time(wallNow.AddMilliseconds(at - nowMs)));
                }

                if (v.CommitPendingUntilMs is { } pending)
                {
                    sb.Append(" (commit pending until ").Append(Time(wallNow.AddMilliseconds(pending - nowMs))).Append(')');
                }
            }

            if (v.Manual)
            {
                sb.Append(" [manual mode]");
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>booth's peers blocks for every member but this one.</summary>
    public static string Peers(BoothConfig config, BoothMember local, IReadOnlyList<BoothPeerCounters> counters)
    {
        var sb = new StringBuilder();
        foreach (var m in config.Members)
        {
            if (m.Index == local.Index)
            {
                continue;
            }

            var c = counters[m.Index];
            var type = m.IsSite ? "site" : "arbitrator";
            var last = c.LastReceived is { } t ? Time(t) : "never";
            sb.Append(CultureInfo.InvariantCulture, $"{type,-12} {m.Address}, last recv: {last}\n");
            sb.Append(CultureInfo.InvariantCulture, $"\tSent pkts:{c.SentPackets} error:{c.SentErrors} resends:{c.Resends}\n");
            sb.Append(CultureInfo.InvariantCulture, $"\tRecv pkts:{c.ReceivedPackets} error:{c.ReceiveErrors} authfail:{c.AuthFailures} invalid:{c.Invalid}\n\n");
        }

        return sb.ToString();
    }

    private static string Time(DateTimeOffset t) => t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
