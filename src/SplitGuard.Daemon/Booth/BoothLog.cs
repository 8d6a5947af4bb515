using Microsoft.Extensions.Logging;

namespace SplitGuard.Daemon.Booth;

/// <summary>The booth service's log lines; event ids 1700-1799 (booth).</summary>
internal static partial class BoothLog
{
    [LoggerMessage(1700, LogLevel.Information, "booth {Role} {Address}:{Port} (id {Id}) starting: {Tickets} ticket(s), {Members} members, auth {Auth}, term_valid_for in {Units}")]
    public static partial void Starting(ILogger logger, string role, string address, int port, string id, int tickets, int members, string auth, string units);

    [LoggerMessage(1701, LogLevel.Information, "booth stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(1710, LogLevel.Information, "ticket {Ticket}: {Text}")]
    public static partial void Ticket(ILogger logger, string ticket, string text);

    [LoggerMessage(1720, LogLevel.Warning, "dropped a packet from {Source}: unknown sender id {Id}")]
    public static partial void UnknownSender(ILogger logger, string source, string id);

    [LoggerMessage(1721, LogLevel.Warning, "dropped a packet from {Member} ({Source}): {Error}")]
    public static partial void BadPacket(ILogger logger, string member, string source, string error);

    [LoggerMessage(1722, LogLevel.Warning, "dropped {Command} from {Member}: timestamp not newer than the previous one (replayed or reordered)")]
    public static partial void Reordered(ILogger logger, string member, string command);

    [LoggerMessage(1730, LogLevel.Information, "client {Client}: {Command} {Ticket} -> {Result}")]
    public static partial void Client(ILogger logger, string client, string command, string ticket, string result);

    [LoggerMessage(1731, LogLevel.Warning, "client {Client}: {Problem}")]
    public static partial void ClientProblem(ILogger logger, string client, string problem);

    [LoggerMessage(1740, LogLevel.Information, "ticket {Ticket}: before-acquire-handler {Command} exited {Code}")]
    public static partial void Handler(ILogger logger, string ticket, string command, int code);

    [LoggerMessage(1741, LogLevel.Warning, "crm_ticket {Arguments} failed: {Problem}")]
    public static partial void CrmTicketFailed(ILogger logger, string arguments, string problem);

    [LoggerMessage(1742, LogLevel.Warning, "send to {Member} failed: {Problem}")]
    public static partial void SendFailed(ILogger logger, string member, string problem);
}
