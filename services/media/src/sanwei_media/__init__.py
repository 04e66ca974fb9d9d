"""sanwei media: 曝光台: exposures, 整改进行时 follow-up, re-exposure, referrals to 纪委."""
