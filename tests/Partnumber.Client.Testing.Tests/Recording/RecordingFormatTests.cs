using System.Text;
using System.Text.Json.Nodes;
using Partnumber.Client.Testing.Recording;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Tests.Recording;

/// <summary>The recording file: what it holds, that it reads back, and that a bad one fails with its location.</summary>
public class RecordingFormatTests
{
    private const string Valid = """
        {
          "format": "partnumber-recording",
          "version": 1,
          "recordedAt": "2026-01-02T03:04:05.0000000+00:00",
          "classifications": [
            {
              "partnumber": "PN-1",
              "request": { "description": "Válvula" },
              "response": { "status": 202, "body": { "message": "aceito", "task_id": "t-1", "room_id": "r-1" } },
              "events": [
                { "offsetMs": 12.5, "name": "classification_update_status", "payload": { "current": "1", "total": "1", "status": "processing" } },
                { "offsetMs": 30, "name": "classification_finished", "payload": { "partnumber": "PN-1", "status": "done", "ncm": "8481.30.00" } }
              ],
              "end": "finished"
            },
            {
              "partnumber": "PN-DROP",
              "response": { "status": 202, "body": { "task_id": "t-2", "room_id": "r-2" } },
              "events": [],
              "end": "dropped",
              "disconnect": { "offsetMs": 5, "mode": "engineClose" }
            },
            {
              "partnumber": "PN-502",
              "response": { "status": 502, "text": "<html>Bad Gateway</html>" },
              "end": "rejected"
            }
          ]
        }
        """;

    [Fact]
    public void A_recording_reads_into_its_entries_and_writes_back_to_the_same_recording()
    {
        var recording = PartnumberRecording.Parse(Valid);

        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), recording.RecordedAt);
        Assert.Equal(["PN-1", "PN-DROP", "PN-502"], recording.Classifications.Select(c => c.Partnumber));
        var first = recording.Find("PN-1")!;
        Assert.Equal("Válvula", first.Description);
        Assert.Equal(202, first.ResponseStatus);
        Assert.Equal("r-1", first.ResponseBody!["room_id"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromMilliseconds(12.5), first.Events[0].Offset);
        Assert.Equal("8481.30.00", first.Events[1].Payload!["ncm"]!.GetValue<string>());
        Assert.Equal(RecordingEnd.Finished, first.End);
        var dropped = recording.Find("PN-DROP")!;
        Assert.Equal(ServerDisconnectMode.EngineClose, dropped.Disconnect!.Mode);
        Assert.Equal(TimeSpan.FromMilliseconds(5), dropped.Disconnect.Offset);
        var rejected = recording.Find("PN-502")!;
        Assert.Equal("<html>Bad Gateway</html>", rejected.ResponseText);
        Assert.Null(rejected.ResponseBody);

        var again = PartnumberRecording.Parse(recording.ToJson());
        Assert.Equal(recording.ToJson(), again.ToJson());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Valid), JsonNode.Parse(again.ToJson())));
    }

    [Fact]
    public void The_file_is_indented_and_keeps_non_ASCII_text_readable()
    {
        var recording = new PartnumberRecording();
        var entry = new RecordedClassification("PN-Ç") { ResponseBody = JsonNode.Parse("""{"room_id":"r"}""") };
        entry.Events.Add(new RecordedServerEvent("classification_finished", TimeSpan.FromMilliseconds(1.26), JsonNode.Parse("""{"description":"Aço inoxidável ção"}""")));
        recording.Classifications.Add(entry);

        var json = recording.ToJson();

        Assert.Contains("\"Aço inoxidável ção\"", json, StringComparison.Ordinal);
        Assert.Contains("\n      \"partnumber\": \"PN-Ç\"", json, StringComparison.Ordinal);
        Assert.Contains("\"offsetMs\": 1.3", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_round_trip_and_comments_and_trailing_commas_are_accepted()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pn-recording-{Guid.NewGuid():N}.json");
        try
        {
            var edited = Valid.Replace("\"version\": 1,", "\"version\": 1, // hand-edited\n", StringComparison.Ordinal)
                .Replace("\"end\": \"rejected\"", "\"end\": \"rejected\",", StringComparison.Ordinal);
            File.WriteAllText(path, edited, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

            var recording = PartnumberRecording.Load(path);
            recording.Save(path);

            Assert.Equal(3, PartnumberRecording.Load(path).Classifications.Count);
            using var stream = File.OpenRead(path);
            Assert.Equal(3, PartnumberRecording.Load(stream).Classifications.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_future_version_fails_with_a_message_naming_the_version_and_its_line()
    {
        var error = Assert.Throws<RecordingFormatException>(() => PartnumberRecording.Parse(Valid.Replace("\"version\": 1", "\"version\": 2", StringComparison.Ordinal)));

        Assert.Equal("$.version", error.JsonPath);
        Assert.Equal(3, error.LineNumber);
        Assert.Contains("format version 2, newer than this version of Partnumber.Client.Testing reads (up to 1)", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Recording: $.version (line 3): ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_future_version_is_reported_before_members_it_may_have_changed()
    {
        var error = Assert.Throws<RecordingFormatException>(() => PartnumberRecording.Parse("""{"format":"partnumber-recording","version":7,"entries":{}}"""));

        Assert.Equal("$.version", error.JsonPath);
        Assert.Contains("version 7", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string, string> Malformed => new()
    {
        // replace this, with this: the JSON path, the line, and words the message must contain
        { "\"offsetMs\": 12.5", "\"offsetMs\": \"12.5\"", "$.classifications[0].events[0].offsetMs|11", "\"offsetMs\" must be a number of milliseconds" },
        { "\"end\": \"finished\"", "\"end\": \"done\"", "$.classifications[0].end|14", "\"end\" must be one of \"finished\", \"failedUpdate\", \"dropped\", \"neverFinished\", \"rejected\"; got \"done\"" },
        { "\"offsetMs\": 30", "\"offsetMs\": 3", "$.classifications[0].events[1].offsetMs|12", "offsetMs 3 is earlier than the previous event's 12.5" },
        { "\"mode\": \"engineClose\"", "\"mode\": \"kick\"", "$.classifications[1].disconnect.mode|21", "\"mode\" must be one of \"namespace\", \"engineClose\", \"transportAbort\", \"silent\"; got \"kick\"" },
        { "\"partnumber\": \"PN-502\"", "\"partnumber\": \"PN-1\"", "$.classifications[2].partnumber|24", "partnumber \"PN-1\" is recorded twice (first at $.classifications[0])" },
        { "\"status\": 502", "\"status\": 202", "$.classifications[2].end|26", "\"end\" is \"rejected\" but the status 202 accepted the task" },
        { "\"name\": \"classification_finished\", ", "", "$.classifications[0].events[1]|12", "there is no \"name\"" },
        { "\"events\": [],", "\"evnets\": [],", "$.classifications[1].evnets|19", "unknown member \"evnets\"" },
        { ",\n      \"disconnect\": { \"offsetMs\": 5, \"mode\": \"engineClose\" }", "", "$.classifications[1]|16", "\"end\" is \"dropped\" but there is no \"disconnect\"" },
        { "\"response\": { \"status\": 502, \"text\": \"<html>Bad Gateway</html>\" }", "\"response\": { \"status\": 502, \"text\": 1, \"body\": 2 }", "$.classifications[2].response|25", "has both \"body\" (JSON) and \"text\" (not JSON)" },
        { "\"format\": \"partnumber-recording\"", "\"format\": \"har\"", "$.format|2", "this is not a Partnumber recording" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_recording_fails_with_the_problem_its_json_path_and_line(string find, string replace, string location, string problem)
    {
        Assert.Contains(find, Valid, StringComparison.Ordinal);
        var (path, line) = (location.Split('|')[0], long.Parse(location.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture));

        var error = Assert.Throws<RecordingFormatException>(() => PartnumberRecording.Parse(Valid.Replace(find, replace, StringComparison.Ordinal)));

        Assert.Equal(path, error.JsonPath);
        Assert.Equal(line, error.LineNumber);
        Assert.Contains($"{path} (line {line}): ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_JSON_fails_with_its_line_and_byte()
    {
        var broken = Valid.Replace("\"end\": \"finished\"", "\"end\": finished", StringComparison.Ordinal);

        var error = Assert.Throws<RecordingFormatException>(() => PartnumberRecording.Parse(broken));

        Assert.Equal(14, error.LineNumber);
        Assert.True(error.Message.Contains("the recording is not valid JSON at line 14, byte 14", StringComparison.Ordinal), error.Message);
        Assert.DoesNotContain("Path:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_error_names_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pn-recording-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, "[1, 2]");

            var error = Assert.Throws<RecordingFormatException>(() => PartnumberRecording.Load(path));

            Assert.StartsWith($"Recording {Path.GetFileName(path)}: $ (line 1): a recording is a JSON object", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_recording_built_in_code_is_checked_by_the_same_rules_before_it_is_written()
    {
        var recording = new PartnumberRecording();
        recording.Classifications.Add(new RecordedClassification("PN-1") { End = RecordingEnd.Dropped });

        var error = Assert.Throws<RecordingFormatException>(() => recording.ToJson());

        Assert.Equal("$.classifications[0].disconnect", error.JsonPath);
        Assert.Null(error.LineNumber);
        Assert.Contains("\"end\" is \"dropped\" but there is no \"disconnect\"", error.Message, StringComparison.Ordinal);
    }
}
