// `cnnc bench`'s report without compiling anything: derived numbers, JSON fields and
// SVG structure from a made-up timing, and the FMA probe giving a positive rate.
#include "compiler/bench/BenchReport.h"

#include "compiler/bench/LibraryBaselines.h"
#include "compiler/bench/PeakProbe.h"
#include "compiler/bench/Subprocess.h"
#include "compiler/bench/SvgChart.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

using namespace cnnc::bench;

size_t countOf(const std::string &text, const std::string &needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

/// Two schedules on a 2 GFLOP network, fused twice as fast as unfused, peak 200 GFLOP/s.
BenchReport fakeReport() {
  BenchReport report;
  report.machine = MachineInfo{"Test CPU <model> & co", 2};
  report.peak.oneThread = FmaPeak{FmaIsa::Avx2, 1, 100};
  report.peak.threads = FmaPeak{FmaIsa::Avx2, 2, 200};
  report.peak.oneThreadByIsa = {report.peak.oneThread};
  report.threads = 2;
  report.minTimeSeconds = 1;
  report.networkName = "tiny";
  report.flops = 2'000'000'000;
  report.parameters = 1234;
  report.schedules.push_back(ScheduleResult{"fused", 1.5, {20, 21, 19, 40}, 4096, 3});
  report.schedules.push_back(ScheduleResult{"unfused", 0.5, {41, 40, 39}, 3 << 20, 9});
  return report;
}

TEST(BenchReport, MedianIsTheMiddleRunOrTheMeanOfTheMiddleTwo) {
  EXPECT_DOUBLE_EQ(medianOf({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(medianOf({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(medianOf({}), 0);
}

TEST(BenchReport, SummaryDerivesRatesFromTheMedian) {
  BenchReport report = fakeReport();
  ScheduleSummary fused = summarize(report, report.schedules[0]);
  EXPECT_DOUBLE_EQ(fused.medianMs, 20.5);
  EXPECT_DOUBLE_EQ(fused.minMs, 19);
  EXPECT_NEAR(fused.gflops, 2.0 / 0.0205, 1e-9);
  EXPECT_NEAR(fused.percentOfPeak, 100 * fused.gflops / 200, 1e-9);
  ASSERT_TRUE(fused.speedup.has_value());
  EXPECT_NEAR(*fused.speedup, 40 / 20.5, 1e-12);
  EXPECT_DOUBLE_EQ(*summarize(report, report.schedules[1]).speedup, 1);
}

TEST(BenchReport, NoSpeedupWithoutTheBaseline) {
  BenchReport report = fakeReport();
  report.schedules.pop_back();
  EXPECT_FALSE(summarize(report, report.schedules[0]).speedup.has_value());
  nlohmann::json json = nlohmann::json::parse(reportJson(report));
  EXPECT_TRUE(json["schedules"][0]["speedup_vs_unfused"].is_null());
}

TEST(BenchReport, JsonHasMachineNetworkAndEverySchedule) {
  nlohmann::json json = nlohmann::json::parse(reportJson(fakeReport()));
  EXPECT_EQ(json["format"], "cnnc-bench/1");
  EXPECT_EQ(json["machine"]["cpu"], "Test CPU <model> & co");
  EXPECT_EQ(json["machine"]["logical_cores"], 2);
  EXPECT_EQ(json["machine"]["fp32_fma_peak"]["gflops"], 200.0);
  EXPECT_EQ(json["machine"]["fp32_fma_peak"]["threads"], 2);
  EXPECT_EQ(json["machine"]["fp32_fma_peak"]["one_thread_gflops"], 100.0);
  EXPECT_EQ(json["machine"]["fp32_fma_peak"]["isa"], "avx2");
  EXPECT_EQ(json["machine"]["fp32_fma_peak"]["one_thread_gflops_by_isa"]["avx2"], 100.0);
  EXPECT_EQ(json["settings"]["threads"], 2);
  EXPECT_EQ(json["network"]["name"], "tiny");
  EXPECT_EQ(json["network"]["flops"], 2'000'000'000);
  EXPECT_EQ(json["network"]["parameters"], 1234);
  EXPECT_EQ(json["baseline"], "unfused");
  ASSERT_EQ(json["schedules"].size(), 2u);
  const nlohmann::json &fused = json["schedules"][0];
  EXPECT_EQ(fused["name"], "fused");
  EXPECT_EQ(fused["compile_seconds"], 1.5);
  EXPECT_EQ(fused["runs"], 4);
  EXPECT_EQ(fused["run_ms"], nlohmann::json::array({20.0, 21.0, 19.0, 40.0}));
  EXPECT_EQ(fused["median_ms"], 20.5);
  EXPECT_EQ(fused["min_ms"], 19.0);
  EXPECT_EQ(fused["gflops"], 97.56);
  EXPECT_EQ(fused["percent_of_peak"], 48.78);
  EXPECT_EQ(fused["peak_intermediate_bytes"], 4096);
  EXPECT_EQ(fused["allocations_per_run"], 3);
  EXPECT_EQ(fused["speedup_vs_unfused"], 1.951);
}

TEST(BenchReport, LibrariesAreComparedWithFusedAndListedInTheirOwnArray) {
  BenchReport report = fakeReport();
  report.libraries.push_back(LibraryResult{"onednn", "oneDNN 2.6.3", {30, 31, 29}, "agree"});
  report.libraries.push_back(LibraryResult{"pytorch-frozen", "PyTorch 1.13", {10, 10}, "ok"});
  ScheduleSummary onednn = summarize(report, report.libraries[0]);
  EXPECT_DOUBLE_EQ(onednn.medianMs, 30);
  ASSERT_TRUE(onednn.fusedSpeedup.has_value());
  EXPECT_NEAR(*onednn.fusedSpeedup, 30 / 20.5, 1e-12);
  EXPECT_NEAR(*onednn.speedup, 40 / 30.0, 1e-12);
  EXPECT_DOUBLE_EQ(*summarize(report, report.schedules[0]).fusedSpeedup, 1);

  nlohmann::json json = nlohmann::json::parse(reportJson(report));
  ASSERT_EQ(json["schedules"].size(), 2u);
  EXPECT_EQ(json["schedules"][1]["fused_speedup"], 1.951);
  ASSERT_EQ(json["libraries"].size(), 2u);
  EXPECT_EQ(json["libraries"][0]["name"], "onednn");
  EXPECT_EQ(json["libraries"][0]["version"], "oneDNN 2.6.3");
  EXPECT_EQ(json["libraries"][0]["median_ms"], 30.0);
  EXPECT_EQ(json["libraries"][0]["fused_speedup"], 1.463);
  EXPECT_EQ(json["libraries"][0]["check"], "agree");
  EXPECT_EQ(json["libraries"][1]["fused_speedup"], 0.488);

  BarChart chart = reportChart(report);
  ASSERT_EQ(chart.bars.size(), 4u);
  EXPECT_EQ(chart.bars[2].badge, "fused 1.46x faster");
  EXPECT_EQ(chart.bars[3].badge, "fused 2.05x slower");
  EXPECT_TRUE(chart.bars[3].emphasized); // the fastest median of all rows
  EXPECT_FALSE(chart.bars[0].emphasized);
}

TEST(BenchReport, NoLibrariesArrayWithoutLibraries) {
  nlohmann::json json = nlohmann::json::parse(reportJson(fakeReport()));
  EXPECT_FALSE(json.contains("libraries"));
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Subprocess, PassesTheEnvironmentAndCapturesBothStreams) {
  const std::string out = testing::TempDir() + "subprocess.out";
  const std::string err = testing::TempDir() + "subprocess.err";
  cnnc::rt::Status status =
      runSubprocess({{"/bin/sh", "-c", "echo \"$CNNC_TEST_VALUE\"; echo to-stderr >&2"},
                     {{"CNNC_TEST_VALUE", "forty two"}},
                     out,
                     err});
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(readFile(out), "forty two\n");
  EXPECT_EQ(readFile(err), "to-stderr\n");
}

TEST(Subprocess, AFailureNamesTheProgramStatusAndLastErrorLines) {
  const std::string out = testing::TempDir() + "failure.out";
  const std::string err = testing::TempDir() + "failure.err";
  cnnc::rt::Status status = runSubprocess(
      {{"/bin/sh", "-c", "echo first >&2; echo second >&2; echo last >&2; exit 3"}, {}, out, err});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "/bin/sh failed (exit status 3): second; last");
  cnnc::rt::Status missing = runSubprocess({{"/nonexistent/program"}, {}, out, err});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("could not be run"), std::string::npos);
}

TEST(LibraryBaselines, ParsesKnownLibrariesAndNamesAnUnknownOne) {
  cnnc::rt::Expected<std::vector<Library>> both = parseLibraries("onednn,pytorch");
  ASSERT_TRUE(both);
  EXPECT_EQ(*both, (std::vector<Library>{Library::Onednn, Library::Pytorch}));
  cnnc::rt::Expected<std::vector<Library>> unknown = parseLibraries("onednn,mkl");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown baseline 'mkl' (onednn, pytorch)");
  EXPECT_FALSE(parseLibraries(","));
}

TEST(BenchReport, BytesReadAsBinaryUnits) {
  EXPECT_EQ(formatBytes(0), "0 B");
  EXPECT_EQ(formatBytes(1023), "1023 B");
  EXPECT_EQ(formatBytes(int64_t{48} * 1024), "48.0 KiB");
  EXPECT_EQ(formatBytes(int64_t(12.3 * 1024 * 1024)), "12.3 MiB");
}

TEST(BenchReport, ChartHasOneBarPerScheduleLabelledWithTimeAndSpeedup) {
  BarChart chart = reportChart(fakeReport());
  EXPECT_EQ(chart.title, "tiny: 2.00 GFLOP per run, 2 threads");
  EXPECT_NE(chart.subtitle.find("Test CPU"), std::string::npos);
  EXPECT_NE(chart.subtitle.find("200 GFLOP/s"), std::string::npos);
  ASSERT_EQ(chart.bars.size(), 2u);
  EXPECT_EQ(chart.bars[0].label, "fused");
  EXPECT_DOUBLE_EQ(chart.bars[0].value, 20.5);
  EXPECT_EQ(chart.bars[0].marker, 19.0);
  EXPECT_EQ(chart.bars[0].annotation, "20.5 ms");
  EXPECT_EQ(chart.bars[0].badge, "1.95x vs unfused");
  EXPECT_EQ(chart.bars[0].detail, "49% of peak");
  EXPECT_EQ(chart.bars[1].badge, "baseline");
  EXPECT_TRUE(chart.bars[0].emphasized);
  EXPECT_FALSE(chart.bars[1].emphasized);
}

TEST(SvgChart, TickStepsAreOneTwoOrFiveTimesAPowerOfTen) {
  EXPECT_DOUBLE_EQ(niceTickStep(41), 10);
  EXPECT_DOUBLE_EQ(niceTickStep(7), 1);
  EXPECT_DOUBLE_EQ(niceTickStep(12), 2);
  EXPECT_DOUBLE_EQ(niceTickStep(0.35), 0.05);
  EXPECT_DOUBLE_EQ(niceTickStep(0), 1);
}

TEST(SvgChart, DocumentHasTitleBarsMarkersAndEscapedText) {
  std::string svg = renderSvg(reportChart(fakeReport()));
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(countOf(svg, "<rect class=\"bar\""), 2u);
  EXPECT_EQ(countOf(svg, "<line class=\"marker\""), 2u);
  EXPECT_EQ(countOf(svg, "class=\"label\""), 2u);
  EXPECT_NE(svg.find(">tiny: 2.00 GFLOP per run, 2 threads</text>"), std::string::npos);
  EXPECT_NE(svg.find(">20.5 ms<tspan class=\"badge\" dx=\"8\" font-weight=\"bold\">1.95x vs "
                     "unfused</tspan>"),
            std::string::npos);
  EXPECT_NE(svg.find("Test CPU &lt;model&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(svg.find("<model>"), std::string::npos);
  // Axis 0..40 ms (the slowest median) in steps of 10.
  EXPECT_EQ(countOf(svg, "class=\"tick\""), 5u);
  EXPECT_NE(svg.find(">40</text>"), std::string::npos);
}

TEST(SvgChart, OutputIsDeterministicAndBarsScaleWithValues) {
  BarChart chart;
  chart.title = "t";
  chart.bars = {ChartBar{"a", 10, std::nullopt, "10 ms", "", "", true},
                ChartBar{"b", 20, std::nullopt, "20 ms", "", "", false}};
  std::string svg = renderSvg(chart);
  EXPECT_EQ(svg, renderSvg(chart));
  EXPECT_EQ(countOf(svg, "class=\"marker\""), 0u);
  EXPECT_EQ(countOf(svg, "<tspan"), 0u);
  auto widthOf = [&](size_t bar) {
    size_t at = svg.find("<rect class=\"bar\"");
    for (size_t k = 0; k < bar; ++k)
      at = svg.find("<rect class=\"bar\"", at + 1);
    size_t width = svg.find("width=\"", at) + 7;
    return std::stod(svg.substr(width, svg.find('"', width) - width));
  };
  EXPECT_NEAR(widthOf(1), 2 * widthOf(0), 0.2);
}

TEST(PeakProbe, MeasuresAPositiveRateOnEverySupportedIsa) {
  for (FmaIsa isa : supportedIsas()) {
    FmaPeak peak = measureFmaPeak(isa, 1, 0.01);
    EXPECT_GT(peak.gflops, 0) << isaName(isa);
    EXPECT_EQ(peak.threads, 1);
  }
  MachinePeak machine = measureMachinePeak(2, 0.02);
  EXPECT_GT(machine.oneThread.gflops, 0);
  EXPECT_GT(machine.threads.gflops, 0);
  EXPECT_EQ(machine.threads.threads, 2);
  EXPECT_EQ(machine.threads.isa, machine.oneThread.isa);
  EXPECT_FALSE(machine.oneThreadByIsa.empty());
}

} // namespace
