#include "app/quality_recorder.h"

#include <chrono>

#include "base/log.h"

namespace atrium::app {

QualityRecorder::QualityRecorder(store::QualityLog& log, CommIdLookup commIdOf, int64_t flushIntervalMs,
                                 store::WriteHealth* health)
    : log_(log), commIdOf_(std::move(commIdOf)), flushIntervalMs_(flushIntervalMs), health_(health),
      writer_([this] { run(); }) {}

QualityRecorder::~QualityRecorder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

std::vector<store::QualitySample> QualityRecorder::toSamples(const signal::QualityReport& report, const std::string& commId) {
  std::vector<store::QualitySample> out;
  out.reserve(report.entries.size());
  for (const auto& e : report.entries) {
    store::QualitySample s;
    s.sdkAppId = report.room.sdkAppId;
    s.commId = commId;
    s.userId = report.userId;
    s.peerId = e.peerId;
    s.timeMs = report.timeMs;
    s.source = "sdk";
    for (const auto& [index, value] : e.values)
      if (index < s.values.size()) s.values[index] = value;
    out.push_back(std::move(s));
  }
  return out;
}

void QualityRecorder::onQuality(signal::QualityReport report) {
  auto commId = commIdOf_(report.room);
  if (!commId) {
    std::lock_guard lock(mu_);
    stats_.samplesDropped += report.entries.size();
    return;
  }
  enqueue(toSamples(report, *commId));
}

void QualityRecorder::enqueue(std::vector<store::QualitySample> samples) {
  std::lock_guard lock(mu_);
  if (pending_.size() + samples.size() > kMaxPending) {
    stats_.samplesDropped += samples.size();
    return;
  }
  for (auto& s : samples) pending_.push_back(std::move(s));
  stats_.samplesQueued += samples.size();
}

QualityRecorder::Stats QualityRecorder::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void QualityRecorder::run() {
  std::vector<store::QualitySample> batch;
  for (;;) {
    bool stop;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(flushIntervalMs_), [&] { return stopping_; });
      stop = stopping_;
      batch.swap(pending_);
    }
    if (!batch.empty()) {
      auto st = log_.appendQuality(batch);
      if (health_) health_->record(store::StoreWrite::kQuality, st.ok());
      std::lock_guard lock(mu_);
      if (st.ok()) {
        stats_.samplesWritten += batch.size();
      } else {
        stats_.samplesDropped += batch.size();
        base::log::error("quality samples not stored: {}", st.error().message);
      }
    }
    batch.clear();
    if (stop) return;
  }
}

}  // namespace atrium::app
